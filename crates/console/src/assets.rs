//! The console's static files, embedded in the binary (`static/`): htmx (2.0.11, vendored from
//! the npm package `htmx.org`, sha256 d6fdc75f…f717), `console.js` and `console.css`.

use poem::endpoint::EmbeddedFilesEndpoint;
use poem::{Endpoint, EndpointExt, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "static/"]
struct Static;

/// `GET /console/static/{file}`, with an `ETag` the browser revalidates (a 304 when unchanged),
/// so a new binary never runs with the old script.
pub fn files() -> impl Endpoint {
    EmbeddedFilesEndpoint::<Static>::new().map(|mut response: Response| async move {
        response
            .headers_mut()
            .insert("cache-control", "no-cache".parse().expect("a header value"));
        response
    })
}
