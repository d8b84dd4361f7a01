// Issue 17 §5 and §6 in a browser: a parameter is edited in place and saved; a model's page
// shows its fields and methods, and its record browser filters by the domain typed in its box.
export async function run(t) {
  const { page, base, api, step, shot, marker } = t;

  await step("edits a parameter in place", async () => {
    await page.goto(base + "/console/parameters");
    const input = page.locator("#value-webhook\\.timeout");
    await input.fill("9");
    await page.locator("tr#webhook\\.timeout").getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved webhook.timeout.").waitFor();
    const list = await api("GET", "/api/v1/parameters");
    const value = list.items.find((p) => p.key === "webhook.timeout").value;
    if (value !== "9") throw new Error(`webhook.timeout is ${value}`);
    await input.fill("many");
    await page.locator("tr#webhook\\.timeout").getByRole("button", { name: "Save" }).click();
    await page.locator("#error-webhook\\.timeout").waitFor();
    await shot("parameters");
  });

  await step("browses a model's records with a domain", async () => {
    await api("POST", "/api/create_data", {
      params: { model: "res.partner", vals: { payload: { name: "Browsable " + marker } } },
    });
    await page.goto(base + "/console/models");
    await shot("models");
    await page.getByRole("link", { name: "res.partner", exact: true }).click();
    await page.locator("#field-company_type").waitFor();
    await shot("model");
    await page.getByRole("link", { name: "Browse records" }).click();
    await page.locator("#domain").fill(`[('name', '=', 'Browsable ${marker}')]`);
    await page.locator("#domain").press("Enter");
    await page.getByText("1 record matches").waitFor();
    await page.locator("tbody td", { hasText: "Browsable " + marker }).waitFor();
    await page.locator("#domain").fill("[('name', '='");
    await page.locator("#domain").press("Enter");
    await page.locator("#records-error", { hasText: "position" }).waitFor();
  });
}
