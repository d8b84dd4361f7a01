// The console in a real browser: playwright-core drives Debian's chromium against the real weft
// binary (started by run.sh). A person signs in, finds a failed call by `q`, opens its Full Log,
// retries a dead delivery and sees it delivered to a real receiver; every page is checked for
// console errors and Content-Security-Policy violations and saved as a screenshot.
// Prints "ok - ..." / "not ok - ..." per step and a closing "N passed, N failed".
import { chromium } from "playwright-core";
import http from "node:http";
import fs from "node:fs";
import path from "node:path";

const base = process.env.WEFT_URL;
const key = process.env.WEFT_KEY;
const shots = process.env.WEFT_SCREENSHOTS;
const password = "ops-" + Math.random().toString(36).slice(2);
const marker = "e2e" + Math.random().toString(36).slice(2, 10);
let passed = 0;
let failed = 0;

async function api(method, route, body) {
  const response = await fetch(base + route, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status >= 400 && !route.startsWith("/api/create_data")) {
    throw new Error(`${method} ${route}: ${response.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

async function eventually(what, check, seconds = 20) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function step(name, work) {
  try {
    await work();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}: ${error.stack || error}`);
  }
}

// A receiver that refuses until told to accept, and keeps what it accepted.
const receiver = { accept: false, got: [] };
const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    if (!receiver.accept) {
      res.writeHead(503).end("not yet");
      return;
    }
    receiver.got.push(body);
    res.writeHead(200).end("ok");
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const hook = `http://127.0.0.1:${server.address().port}/partners`;

// What the person will look for: an admin with a password, a subscription whose deliveries die,
// a failed call and a call too large for its preview.
await api("POST", "/api/v1/users", { login: "ops", name: "Ops", password, role: "admin" });
await api("PUT", "/api/v1/parameters/webhook.preview_limit", { value: "120" });
await api("PUT", "/api/v1/parameters/webhook.retry", { value: "1" });
await api("POST", "/api/v1/subscriptions", {
  name: "Partners to the warehouse", model: "res.partner", kind: "on_create", address: hook,
});
await api("POST", "/api/create_data", {
  params: { model: "res.partner", vals: { payload: { name: "ACME " + marker, phone: "x".repeat(400) } } },
});
await api("POST", "/api/create_data", {
  params: { model: "res.partner", vals: { payload: { name: "Bad " + marker, colour: "red" } } },
});
const dead = await eventually("a dead delivery", async () => {
  const list = await api("GET", "/api/v1/deliveries?state=dead");
  return list.items[0];
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const page = await context.newPage();
const problems = [];
// A form refused with the API's errors answers 422 on purpose; the browser logs that too.
page.on("console", (m) => {
  if (m.type() === "error" && !m.text().includes("status of 422")) problems.push(`${page.url()}: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
await context.addInitScript(() => {
  document.addEventListener("securitypolicyviolation", (e) =>
    console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
});
fs.mkdirSync(shots, { recursive: true });
const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

await step("signs in with the form", async () => {
  await page.goto(base + "/");
  await page.waitForURL(/\/console\/login/);
  await shot("login");
  await page.getByLabel("Login").fill("ops");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview" }).waitFor();
  await shot("overview");
});

await step("finds the failed call by q and opens it", async () => {
  await page.getByRole("link", { name: "API Logs" }).click();
  await page.waitForURL(/\/console\/logs/);
  await page.keyboard.press("/");
  const search = page.locator("input[type=search]");
  if (!(await search.evaluate((el) => el === document.activeElement))) throw new Error("/ did not focus the search");
  await search.fill("Bad " + marker);
  await search.press("Enter");
  await page.waitForURL(new RegExp("q=Bad"));
  const rows = page.locator("tbody tr");
  await eventually("one row", async () => (await rows.count()) === 1);
  if (!(await rows.first().innerText()).includes("failed")) throw new Error("the row is not failed");
  await shot("logs");
  await rows.first().locator('a[href^="/console/logs/"]').first().click();
  await page.waitForURL(/\/console\/logs\/\d+$/);
  await page.getByText("colour").first().waitFor();
  await shot("log");
});

await step("opens the Full Log of the large call", async () => {
  await page.goto(base + "/console/logs?type=receive&q=" + encodeURIComponent("ACME " + marker));
  await page.locator('tbody tr a[href^="/console/logs/"]').first().click();
  await page.getByRole("link", { name: /Full Log/ }).first().click();
  await page.getByText("x".repeat(400)).first().waitFor();
  await shot("full-log");
});

await step("retries the dead delivery and the receiver gets it", async () => {
  await page.goto(base + "/console/deliveries?state=dead");
  await shot("deliveries");
  await page.locator(`a[href="/console/deliveries/${dead.id}"]`).first().click();
  await page.waitForURL(new RegExp(`/console/deliveries/${dead.id}$`));
  await shot("delivery");
  receiver.accept = true;
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: /^Retry/ }).click();
  await eventually("the delivery at the receiver", async () => receiver.got.length > 0);
  if (!receiver.got[0].includes(marker)) throw new Error(`unexpected body ${receiver.got[0]}`);
  await eventually("the done badge", async () => {
    await page.reload();
    return (await page.locator(".badge.done").count()) > 0;
  });
});

await step("shows the targets", async () => {
  await page.getByRole("link", { name: "Targets" }).click();
  await page.getByText(hook).first().waitFor();
  await shot("targets");
});

// Part 2 (issues 17, 18): each configuration page's steps, in a file of its own.
const t = { page, base, key, api, step, eventually, shot, marker, receiver, hook };
for (const part of ["outbound_rules", "subscriptions", "inbound_hooks", "access", "oauth_apps", "models"]) {
  const { run } = await import(`./configure/${part}.mjs`);
  await run(t);
}

await step("follows the system's dark preference", async () => {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(base + "/console");
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  if (background === "rgb(247, 247, 248)") throw new Error("still light in dark mode");
  await shot("overview-dark");
  await page.emulateMedia({ colorScheme: "light" });
});

await step("a phone-sized window and 200 % zoom: no page scrolls sideways", async () => {
  // 200 % zoom of a 1280 px window lays a page out in 640 CSS pixels; a phone in 390.
  for (const width of [640, 390]) {
    await page.setViewportSize({ width, height: 800 });
    for (const route of ["/console", "/console/logs", "/console/deliveries", "/console/targets",
      "/console/outbound-rules", "/console/outbound-rules/new", "/console/subscriptions",
      "/console/inbound-hooks", "/console/api-keys", "/console/oauth-apps", "/console/users", "/console/parameters",
      "/console/models"]) {
      await page.goto(base + route);
      const [scroll, client] = await page.evaluate(() =>
        [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      if (scroll > client + 1) throw new Error(`${route} at ${width} px is ${scroll} px wide`);
    }
  }
  await shot("targets-phone");
  await page.setViewportSize({ width: 1280, height: 860 });
});

await step("no console errors and no CSP violations on any page", async () => {
  if (problems.length) throw new Error(problems.join("\n"));
});

await browser.close();
server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
