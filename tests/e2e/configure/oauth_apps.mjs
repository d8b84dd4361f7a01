// Issue 18 in a real browser: an OAuth app made through the form shows its key and secret once,
// the copied secret gets a token from Synconics' token endpoint with fetch, "Revoke tokens"
// (after the page's confirmation) refuses that token at once, and "Regenerate" replaces the
// credentials; a person who is not signed in is sent to the console's sign-in by the OAuth 2.0
// authorize step and, signed in, on to the app's redirect URI (another origin) with a code.
// run(t) is called by console.mjs.

export async function run(t) {
  const { page, base, api, step, shot, marker, hook } = t;
  const name = "Browser app " + marker;
  let key = "";
  let secret = "";
  let access = "";
  const token = (k, s) =>
    fetch(base + "/restapi/1.0/common/oauth2/access_token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ client_id: k, client_secret: s }),
    });
  const webhooks = (a) => fetch(base + "/restapi/1.0/webhooks", { headers: { authorization: "Bearer " + a } });

  await step("creates an OAuth app through the form and copies its secret, shown once", async () => {
    const users = await api("GET", "/api/v1/users");
    const ops = users.items.find((u) => u.login === "ops");
    await page.goto(base + "/console/oauth-apps");
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("User", { exact: true }).selectOption(String(ops.id));
    await page.getByLabel("Access type").selectOption("oauth2");
    await page.getByLabel("Redirect URIs").fill("https://erp.example.com/oauth/callback");
    await page.getByRole("button", { name: "Create the app" }).click();
    await page.locator("#shown-secret").waitFor();
    key = await page.locator("#shown-key").inputValue();
    secret = await page.locator("#shown-secret").inputValue();
    await page.locator('button[data-copy-target="shown-secret"]').click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    if (copied !== secret) throw new Error("the clipboard does not hold the secret");
    await shot("oauth-apps");
    await page.goto(base + "/console/oauth-apps");
    const text = await page.content();
    if (text.includes(secret)) throw new Error("the secret is on the page again");
    if (!text.includes(key)) throw new Error("the app's consumer key is not listed");
  });

  await step("the copied credentials get a token, and Revoke tokens refuses it at once", async () => {
    const reply = await token(key, secret);
    if (reply.status !== 200) throw new Error(`token: ${reply.status} ${await reply.text()}`);
    access = (await reply.json()).access_token;
    if ((await webhooks(access)).status !== 200) throw new Error("the token does not work");
    page.once("dialog", (dialog) => dialog.accept());
    await page.locator("tr", { hasText: name }).getByRole("button", { name: "Revoke tokens" }).click();
    await page.getByText(/Revoked every token of OAuth app \d+/).waitFor();
    const after = await webhooks(access);
    if (after.status !== 401) throw new Error(`after revoking: ${after.status}`);
  });

  await step("Regenerate shows new credentials and the old ones stop", async () => {
    page.once("dialog", (dialog) => dialog.accept());
    await page.locator("tr", { hasText: name }).getByRole("button", { name: "Regenerate" }).click();
    await page.getByText(/credentials regenerated/).waitFor();
    const fresh = await page.locator("#shown-secret").inputValue();
    const freshKey = await page.locator("#shown-key").inputValue();
    if (fresh === secret || freshKey === key) throw new Error("the credentials did not change");
    if ((await token(key, secret)).status !== 401) throw new Error("the old credentials still work");
    if ((await token(freshKey, fresh)).status !== 200) throw new Error("the new credentials do not work");
  });

  await step("the authorize step: sign in, then on to the app's redirect URI with the code", async () => {
    const login = "owner-" + marker;
    const password = "pw-" + marker + "-owner";
    const user = await api("POST", "/api/v1/users", { login, password, role: "admin" });
    const callback = hook + "/oauth-callback";
    const made = await api("POST", "/api/v1/oauth-apps",
      { name: "Authorize " + marker, user_id: user.id, redirect_uris: [callback] });
    const query = new URLSearchParams({ client_id: made.consumer_key, redirect_uri: callback, state: "s-" + marker });
    const other = await page.context().browser().newContext();
    try {
      const person = await other.newPage();
      await person.goto(base + "/restapi/1.0/common/oauth2/authorize?" + query);
      await person.getByLabel("Login").fill(login);
      await person.getByLabel("Password").fill(password);
      await person.getByRole("button", { name: "Sign in" }).click();
      await person.waitForURL((url) => url.href.startsWith(callback + "?"));
      const back = new URL(person.url());
      if (back.searchParams.get("state") !== "s-" + marker) throw new Error(`state: ${person.url()}`);
      const code = back.searchParams.get("code");
      const reply = await fetch(base + "/oauth2/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: callback,
          client_id: made.consumer_key, client_secret: made.consumer_secret }),
      });
      if (reply.status !== 200) throw new Error(`the code: ${reply.status} ${await reply.text()}`);
    } finally {
      await other.close();
    }
  });
}
