// Issue 17 §3 in a browser: an inbound hook's page gives its URL in a copy box; a call to that URL
// updates the record and is in the hook's logs; Rotate Secret (after its warning) makes the old
// URL answer 404.
export async function run(t) {
  const { page, base, api, step, eventually, shot, marker } = t;
  const created = await api("POST", "/api/create_data", {
    params: { model: "res.partner", vals: { payload: { name: "Hooked " + marker } } },
  });
  const partner = created.result.id ?? created.result.result?.id;
  let url;
  let hookPage;

  await step("creates an inbound hook through the form, copies its URL and calls it", async () => {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await page.goto(base + "/console/inbound-hooks");
    await page.getByRole("link", { name: /New/ }).first().click();
    await page.locator("#name").fill("Phones " + marker);
    await page.locator("#model").fill("res.partner");
    await page.locator('input[name="actions[0].values.field"]').first().fill("phone");
    await page.locator('input[name="actions[0].values.value"]').first().fill("phone");
    await page.locator("#log_calls").check();
    await page.getByRole("button", { name: "Create hook" }).click();
    await page.locator("#hook-url").waitFor();
    hookPage = page.url().split("?")[0];
    await page.locator('button[data-copy-target="hook-url"]').click();
    url = await page.evaluate(() => navigator.clipboard.readText());
    if (!url.includes("/web/hook/")) throw new Error(`not a hook URL: ${url}`);
    if (url !== await page.locator("#hook-url").inputValue()) throw new Error("the copy is not the URL");
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
    await page.goto(hookPage);
    page.once("dialog", (d) => d.accept().catch(() => {}));
    await page.getByRole("button", { name: "Rotate Secret" }).click();
    await eventually("a new URL", async () => (await page.locator("#hook-url").inputValue()) !== url);
    const old = await fetch(url, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    if (old.status !== 404) throw new Error(`the old URL answered ${old.status}`);
  });
}
