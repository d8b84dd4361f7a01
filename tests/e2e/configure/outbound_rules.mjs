// Issue 17 §1 in a browser: a rule is made through the form on sale.order with a domain that
// matches a confirmed order ("Matches 1 record now"), its payload preview shows that order, and
// after it is saved, confirming another order through the API puts a delivery on the Deliveries
// page and at the receiver.
export async function run(t) {
  const { page, base, api, step, eventually, shot, marker, receiver } = t;
  const orders = new URL(t.hook).origin + "/orders";
  const ref = "E2E" + marker;
  await api("POST", "/api/create_data", {
    params: { model: "res.partner", vals: { payload: { name: "Customer " + marker, ref } } },
  });
  const order = async () => {
    const reply = await api("POST", "/api/create_data", {
      params: { model: "sale.order", vals: { payload: { partner_id: { ref } }, result_field: ["name"] } },
    });
    return reply.result.result.name;
  };
  const confirm = (name) => api("POST", "/api/call_function", {
    params: { model: "sale.order", vals: { search_key: { name }, payload: { method: "action_confirm" } } },
  });
  const first = await order();
  await confirm(first);
  let ruleUrl;

  await step("creates a rule through the form and sees its domain check and preview", async () => {
    await page.goto(base + "/console/outbound-rules");
    await shot("rules-empty");
    await page.getByRole("link", { name: "New rule" }).click();
    await page.locator("#name").fill("Confirmed orders " + marker);
    await page.locator("#model").selectOption("sale.order");
    await page.locator("#trigger_domain").fill(`[('state', '=', 'sale'), ('name', '=', '${first}')]`);
    await page.locator("#trigger_domain-check", { hasText: "Matches 1 record now." }).waitFor();
    await page.locator("#trigger_domain").fill(`[('state', '=', 'sale')]`);
    await page.locator("#trigger_domain").press("End");
    await page.locator("#trigger_domain").type(" ");
    await page.locator("#trigger_domain-check.field-ok").waitFor();
    await page.locator("#endpoint_url").fill(orders);
    await page.locator("#payload_fields").fill('{"order": "{name}", "state": "{state}", "customer": "{partner_id.name}"}');
    await page.locator("#preview_id").fill("");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.locator("#preview-body", { hasText: "Customer " + marker }).waitFor();
    await shot("rule-form");
    await page.getByRole("button", { name: "Create rule" }).click();
    await page.getByText("Saved.").waitFor();
    ruleUrl = page.url().split("?")[0];
  });

  await step("a bad domain is shown at its field with its position", async () => {
    await page.goto(base + "/console/outbound-rules/new");
    await page.locator("#trigger_domain").fill("[('state', '=' ");
    await page.locator("#trigger_domain-check.field-error", { hasText: "position" }).waitFor();
  });

  await step("confirming an order through the API puts its delivery on the Deliveries page", async () => {
    const before = receiver.got.length;
    const second = await order();
    await confirm(second);
    await eventually("the order at the receiver", async () =>
      receiver.got.slice(before).some((b) => b.includes(second)));
    const id = ruleUrl.split("/").pop();
    await page.goto(base + `/console/deliveries?source=rule:${id}`);
    await page.locator("tbody tr", { hasText: "sale.order" }).first().waitFor();
    await page.goto(base + "/console/outbound-rules");
    await page.getByRole("link", { name: "Confirmed orders " + marker }).waitFor();
    await shot("rules");
  });
}
