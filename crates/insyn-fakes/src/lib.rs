//! Test-only fake platform servers: one small stateful server per platform family, in the
//! documented API shapes, on 127.0.0.1 with a free port, each with control methods to add, edit,
//! delete and hide items, expire media URLs and tokens, and inject rate limits, server errors and
//! bad bodies. The shared parts are in [`common`]; each platform module holds only its shape.

pub mod bluesky;
pub mod common;
pub mod feed;
pub mod graph;
pub mod linkedin;
pub mod x;
pub mod youtube;

pub use common::{Canned, Fake, Item, ModerationCall};
