// Issue 17 §3 in a browser: an inbound hook's page gives its URL in a copy box; a call to that URL
// updates the record and is in the hook's logs; Rotate Secret (after its warning) makes the old
// URL answer 404.
export async function run(t) {
  const { page, base, api, step, eventually, shot, marker } = t;
  const created = await api("POST", "/api/create_data", {
    params: { model: "res.partner", vals: { payload: { name: "Hooked " + marker } } },
  });
  const partner = created.result.id ?? created.result.result?.id;
  const hook = await api("POST", "/api/v1/inbound-hooks", {
    name: "Phones " + marker, model: "res.partner", target: { by: "model_id" },
    actions: [{ type: "update", values: { phone: { $payload: "phone" } } }], log_calls: true,
  });
  let url;

  await step("an inbound hook's URL is copied from its page and called", async () => {
    await page.goto(base + "/console/inbound-hooks");
    await page.getByRole("link", { name: "Phones " + marker }).click();
    url = await page.locator("#hook-url").inputValue();
    if (!url.includes("/web/hook/")) throw new Error(`not a hook URL: ${url}`);
    await shot("inbound-hook");
    const reply = await fetch(url, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ _model: "res.partner", _id: partner, phone: "+1 555 " + marker }),
    });
    if (reply.status !== 200) throw new Error(`the hook answered ${reply.status}: ${await reply.text()}`);
    await page.getByRole("link", { name: "Logs", exact: true }).click();
    await eventually("the call in the logs", async () => {
      await page.reload();
      return (await page.locator("tbody tr", { hasText: "web/hook" }).count()) > 0;
    });
    await page.goto(base + "/console/inbound-hooks");
    await shot("inbound-hooks");
  });

  await step("Rotate Secret warns, and the old URL answers 404", async () => {
    await page.goto(base + `/console/inbound-hooks/${hook.id}`);
    page.once("dialog", (d) => d.accept().catch(() => {}));
    await page.getByRole("button", { name: "Rotate Secret" }).click();
    await eventually("a new URL", async () => (await page.locator("#hook-url").inputValue()) !== url);
    const old = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    if (old.status !== 404) throw new Error(`the old URL answered ${old.status}`);
  });
}
