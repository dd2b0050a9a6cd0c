//! Content-addressed, write-once storage of blobs: media, raw platform observations and archive
//! packages (SPEC R3.1), in a local folder (embedded default) or an S3-compatible bucket
//! (scale-out, R12.2).
//!
//! # Keys
//!
//! A blob is stored under the SHA-256 of its content, in lower-case hex, fanned out by its first
//! two bytes so that no folder grows too large:
//!
//! ```text
//! sha256/ba/78/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
//! ```
//!
//! ([`blob_key`], [`digest_from_key`]). `tmp/<unix seconds>-<random>` holds uploads of
//! [`BlobStore::put_stream`] in progress; anything left there was interrupted and may be removed
//! once it is old. Nothing else is written. An `s3://bucket/prefix` URL puts both under `prefix/`.
//!
//! # Write-once
//!
//! A key is only ever created, never replaced: [`BlobStore::put`] writes with
//! [`object_store::PutMode::Create`] (a local hard link that fails if the file exists; on S3 a PUT
//! with `If-None-Match: *`). If the key exists already the content is the same (that is what the
//! key says), so "already exists" counts as success and the stored object is left alone.
//!
//! Content that arrives as a stream ([`BlobStore::put_stream`]) is hashed while it is read, so its
//! key is known only at the end. Up to [`SINGLE_PUT_LIMIT`] it is gathered in memory and put as
//! above. Beyond that it is uploaded in parts ([`PART_SIZE`], at most [`PARTS_IN_FLIGHT`] at a
//! time, so memory stays bounded) to a temporary key, then copied to its final key only if that is
//! absent (`copy_if_not_exists`: a hard link locally; on S3 a one-part multipart copy completed
//! with `If-None-Match: *`), and the temporary key is deleted. This was chosen over spooling to a
//! local temporary file because a stateless scale-out worker may have little local disk, and over
//! a plain copy because a copy would not be write-once. Limits: on S3 a single part copy takes at
//! most 5 GiB, and an interrupted upload can leave a `tmp/` object (and on S3 an unfinished
//! multipart upload; add a bucket lifecycle rule that aborts those after a day).
//!
//! The trait has no delete and no overwrite. Disposal (gallring) will need a delete; it will be a
//! separate, audited operation.
//!
//! # Verify on read
//!
//! [`BlobStore::get`] hashes what it read and fails with [`BlobError::Corrupt`] if it is not the
//! digest asked for; [`BlobStore::get_stream`] does the same at the end of the stream (read it to
//! the end before trusting it); [`BlobStore::verify`] re-hashes without keeping the content, for
//! `insyn verify` and restore (R12.3). Local files are read in 1 MiB chunks on blocking threads,
//! so verifying runs at about the speed of `sha256sum`.
//!
//! On S3 the content also travels signed: every request body is covered by its SigV4 payload
//! hash, which S3 checks.
//!
//! # Why `object_store`
//!
//! One crate (Apache Arrow's `object_store`, used by DataFusion, delta-rs and others) gives the
//! same interface to a local folder and to S3 with the conditional writes write-once needs
//! (`PutMode::Create`, `copy_if_not_exists`), multipart uploads, streaming reads, retries with
//! backoff and atomic local writes (write to a staging file, then link). Insyn adds only content
//! addressing and verification on top. See `reference/stack.md` §A.6 for the alternatives.
//!
//! # Opening
//!
//! [`open`] takes a URL: a folder path or `file:/absolute/path` (created if missing; writes are
//! synced to disk), or `s3://bucket[/prefix]` with [`S3Settings`]. S3 requests give up after
//! [`S3_MAX_RETRIES`] retries, so an unreachable endpoint answers [`BlobError::Unavailable`] within
//! about a second.

mod error;
mod open;
mod store;

pub use error::BlobError;
pub use open::{
    ACCEPTED_FORMS, S3_CONNECT_TIMEOUT, S3_MAX_RETRIES, S3_REQUEST_TIMEOUT, S3_RETRY_TIMEOUT,
    S3Settings, in_memory, open,
};
pub use store::{
    BLOB_PREFIX, BlobMeta, BlobReader, BlobStore, BlobStream, ByteStream, ObjectBlobStore,
    PART_SIZE, PARTS_IN_FLIGHT, SINGLE_PUT_LIMIT, TEMP_PREFIX, blob_key, digest_from_key,
};
