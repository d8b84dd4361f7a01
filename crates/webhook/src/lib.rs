//! What inbound and outbound webhooks share (DESIGN.md §1), free of every other Weft crate:
//! Standard Webhooks secrets, signatures and their verification, random ids and constant-time
//! comparison (`signing`), where Weft may send requests, the SSRF guard (`targets`), and which
//! hosts a credential may go to (`hosts`).

pub mod hosts;
pub mod signing;
pub mod targets;
