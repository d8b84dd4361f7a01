// Issue 17 §4 in a real browser: an API key made through the form is shown once, copied, works
// with fetch and is refused the moment it is revoked; a user made through the form is given a
// password on its page and signs in with it. run(t) is called by console.mjs.

export async function run(t) {
  const { page, base, api, step, shot, marker } = t;
  const name = "Browser key " + marker;
  let key = "";
  const call = (k) => fetch(base + "/api/v1/api-keys", { headers: { "x-api-key": k } });

  await step("creates an API key through the form, sees it once and copies it", async () => {
    const users = await api("GET", "/api/v1/users");
    const ops = users.items.find((u) => u.login === "ops");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await page.goto(base + "/console/api-keys");
    await page.getByLabel("User", { exact: true }).selectOption(String(ops.id));
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Expires at").fill("2099-12-31 23:59:59");
    await page.locator('input[name=allowed_models][value="res.partner"]').check();
    await page.getByRole("button", { name: "Create the key" }).click();
    const shown = page.locator("#new-key");
    await shown.waitFor();
    key = await shown.inputValue();
    if (!key.startsWith("weft_")) throw new Error(`not a key: ${key}`);
    if (page.url() !== base + "/console/api-keys") throw new Error(`the key page's URL is ${page.url()}`);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    if (copied !== key) throw new Error("the clipboard does not hold the key");
    await shot("api-keys");
    // Shown once: the list, loaded again, has its prefix and not the key.
    await page.goto(base + "/console/api-keys");
    const text = await page.content();
    if (text.includes(key)) throw new Error("the key is on the page again");
    if (!text.includes(name)) throw new Error("the key is not listed");
  });

  await step("the copied key works with fetch, and revoking it refuses it at once", async () => {
    const before = await call(key);
    if (before.status !== 200) throw new Error(`with the new key: ${before.status}`);
    const listed = (await before.json()).items.find((k) => k.name === name);
    if (JSON.stringify(listed.allowed_models) !== '["res.partner"]') {
      throw new Error(`allowed_models ${JSON.stringify(listed.allowed_models)}`);
    }
    await page.locator("tr", { hasText: name }).getByRole("link", { name: /Revoke/ }).click();
    await page.getByRole("heading", { name: "Revoke an API key" }).waitFor();
    await page.getByRole("button", { name: "Revoke the key" }).click();
    await page.getByText(/Revoked API key \d+/).waitFor();
    const after = await call(key);
    if (after.status !== 401) throw new Error(`after revoking: ${after.status}`);
  });

  await step("creates a user, sets its password, and it signs in with it", async () => {
    const login = "clerk-" + marker;
    const password = "pw-" + marker + "-first";
    await page.goto(base + "/console/users");
    await page.getByLabel("Login").fill(login);
    await page.getByLabel("Name", { exact: true }).fill("Clerk " + marker);
    await page.getByLabel("Role").selectOption("admin");
    await page.getByRole("button", { name: "Create the user" }).click();
    await page.getByText(`Created the user ${login}.`).waitFor();
    await shot("users");
    await page.getByRole("link", { name: login, exact: true }).click();
    await page.getByRole("heading", { name: `User ${login}` }).waitFor();
    await page.getByLabel("New password", { exact: true }).fill(password);
    await page.getByLabel("New password again").fill(password);
    await page.getByRole("button", { name: "Set the password" }).click();
    await page.getByText(/^Password set/).waitFor();
    // Another browser: the new user signs in to the console with that password.
    const other = await page.context().browser().newContext();
    try {
      const signin = await other.newPage();
      await signin.goto(base + "/console/login");
      await signin.getByLabel("Login").fill(login);
      await signin.getByLabel("Password").fill(password);
      await signin.getByRole("button", { name: "Sign in" }).click();
      await signin.getByRole("heading", { name: "Overview" }).waitFor();
    } finally {
      await other.close();
    }
  });
}
