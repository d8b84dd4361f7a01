// Issue 17 §2 in a browser: a Synconics subscription is made through the form, its body preview
// shows the newest record, and Send Test Notification on its row reaches the receiver.
export async function run(t) {
  const { page, base, step, eventually, shot, marker, receiver } = t;
  const address = new URL(t.hook).origin + "/subscription-" + marker;

  await step("creates a Synconics subscription and sees its body preview", async () => {
    await page.goto(base + "/console/subscriptions/new");
    await page.locator("#name").fill("Partners " + marker);
    await page.locator("#model").selectOption("res.partner");
    await page.locator("#field-choices input[value=company_type]").waitFor();
    await page.locator("#kind").selectOption("on_write");
    await page.locator("#address").fill(address);
    await page.locator("#format").selectOption("xml");
    await page.locator("#field-choices input[value=name]").check();
    await page.getByRole("button", { name: "Preview" }).click();
    await page.locator("#preview-body", { hasText: "<notification" }).waitFor();
    await shot("subscription-form");
    await page.getByRole("button", { name: "Create subscription" }).click();
    await page.getByText("Saved.").waitFor();
  });

  await step("Send Test Notification on its row reaches the receiver", async () => {
    await page.goto(base + "/console/subscriptions");
    const row = page.locator("tbody tr", { hasText: "Partners " + marker });
    const before = receiver.got.length;
    await row.getByRole("button", { name: "Send Test Notification" }).click();
    await page.getByText("Test notification queued").waitFor();
    await shot("subscriptions");
    await eventually("the test notification", async () =>
      receiver.got.slice(before).some((b) => b.includes('event="test"')));
  });
}
