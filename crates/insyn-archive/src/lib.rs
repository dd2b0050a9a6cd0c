//! Archive deliveries: information packages for an e-archive following E-ARK CSIP 2.1.0 +
//! SIP 2.1.0, which together are Riksarkivet's FGS Paketstruktur 2.0, with PREMIS preservation
//! metadata, a WARC 1.1 file of the captures, and RFC 3161 time-stamp requests.
//!
//! The crate does no database or network I/O of its own: the records come through
//! [`PackageSource`], so it is tested without the store and the app feeds it from the store.

mod docs;
mod error;
mod info;
mod mets;
mod package;
mod premis;
pub mod printout;
mod sink;
mod source;
pub mod tsp;
pub mod verify;
pub mod warc;
mod xml;

pub use error::{ArchiveError, SourceError};
pub use info::{AdditionalInfo, PackageInfo, Party, Profile};
pub use package::{BuildOptions, Output, PackageReport, build_package};
pub use premis::PremisEvent;
pub use printout::PrintRecord;
pub use sink::{FileEntry, HashingWriter};
pub use source::{PackageSource, RecordBundle, sniff};
