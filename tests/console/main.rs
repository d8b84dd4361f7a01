//! The web console over real HTTP against the real binary, on SQLite and PostgreSQL: sign-in and
//! its refusals, the security headers, the origin and CSRF checks, and every page and action.
//! One module a page; `Console` is a signed-in browser without the browser.

#[path = "../support/mod.rs"]
mod support;

mod access;
mod deliveries;
mod harden;
mod inbound_hooks;
mod logs;
mod models;
mod oauth_apps;
mod outbound_rules;
mod overview;
mod session;
mod subscriptions;
mod targets;

use reqwest::header::HeaderMap;
use support::TestServer;

/// A reqwest client that, like a form post in a browser, does not follow redirects for us.
pub(crate) fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// A page's answer: status, headers, body text.
pub(crate) struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Page {
    async fn of(response: reqwest::Response) -> Page {
        Page {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii"))
            .unwrap_or_default()
    }
}

/// An admin signed in to the console: its cookie and CSRF token.
pub(crate) struct Console<'a> {
    pub server: &'a TestServer,
    pub client: reqwest::Client,
    pub cookie: String,
    pub csrf: String,
}

impl<'a> Console<'a> {
    /// Make an admin `login` (password `<login>-password`) and sign it in.
    pub async fn admin(server: &'a TestServer, login: &str) -> Console<'a> {
        server.user_key(login, "admin", None).await;
        Console::sign_in(server, login, &format!("{login}-password")).await
    }

    /// Sign `login` in, asserting it works.
    pub async fn sign_in(server: &'a TestServer, login: &str, password: &str) -> Console<'a> {
        let client = no_redirects();
        let answer = sign_in(&client, server, login, password).await;
        assert_eq!(answer.status, 303, "{}", answer.text);
        let cookie = answer
            .header("set-cookie")
            .split(';')
            .next()
            .expect("a cookie")
            .to_string();
        let mut console = Console {
            server,
            client,
            cookie,
            csrf: String::new(),
        };
        let home = console.get("/console").await;
        assert_eq!(home.status, 200, "{}", home.text);
        console.csrf = meta(&home.text, "csrf-token").expect("the page's CSRF token");
        console
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.server.url))
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("a response");
        Page::of(response).await
    }

    /// A form post from a console page: same origin, the session's token in the form.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &self.csrf));
        self.post_raw(path, &form, &[("sec-fetch-site", "same-origin")])
            .await
    }

    /// A post as given: fields and headers, the session cookie and nothing else.
    pub async fn post_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self
            .client
            .post(format!("{}{path}", self.server.url))
            .header("cookie", &self.cookie)
            .form(fields);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Page::of(request.send().await.expect("a response")).await
    }
}

/// `POST /console/login` with a login and a password.
pub(crate) async fn sign_in(
    client: &reqwest::Client,
    server: &TestServer,
    login: &str,
    password: &str,
) -> Page {
    let response = client
        .post(format!("{}/console/login", server.url))
        .form(&[("login", login), ("password", password)])
        .send()
        .await
        .expect("a response");
    Page::of(response).await
}

/// The `content` of `<meta name=NAME>` in a page.
pub(crate) fn meta(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("<meta name=\"{name}\" content=\""))?;
    let rest = &html[at..];
    let start = rest.find("content=\"")? + "content=\"".len();
    let end = rest[start..].find('"')?;
    Some(rest[start..start + end].to_string())
}

/// A form's fields as `Console::post` takes them.
pub(crate) fn fields<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The id a form post saved: its 303 leads to `prefix` + id.
pub(crate) fn saved_id(answer: &Page, prefix: &str) -> i64 {
    assert_eq!(answer.status, 303, "{}", answer.text);
    let location = answer.header("location");
    location
        .strip_prefix(prefix)
        .and_then(|rest| rest.split('?').next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("not to {prefix}N: {location}"))
}

/// The text of the element with `id` (up to its first closing tag), unescaped as a browser reads it.
pub(crate) fn element(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let start = at + html[at..].find('>')? + 1;
    let end = start + html[start..].find("</")?;
    Some(
        html[start..end]
            .replace("&#34;", "\"")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&#60;", "<")
            .replace("&gt;", ">")
            .replace("&#62;", ">")
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}
