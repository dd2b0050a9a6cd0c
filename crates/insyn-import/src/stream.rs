//! Streaming over a JSON array: one element is parsed, handed on and dropped before the next is
//! read, so a file of any size is read in bounded memory. serde_json has no streaming array
//! reader of its own (its `StreamDeserializer` reads whitespace-separated values), so this is a
//! small `Visitor` that pulls elements from the sequence one by one.
use crate::ImportError;
use serde::de::{DeserializeOwned, DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use std::io::{BufRead, Read};
use std::marker::PhantomData;

/// Where the array is: the whole document, or the value of one key of the top-level object.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ArrayAt {
    Top,
    Field(&'static str),
}

/// Calls `each(index, element)` for every element of the array, in order. Returns the count.
/// Elements that are not a `T` stop the import with the place in the file; an error from `each`
/// stops it with that error.
pub(crate) fn for_each<T, F>(reader: impl Read, at: ArrayAt, each: F) -> Result<u64, ImportError>
where
    T: DeserializeOwned,
    F: FnMut(u64, T) -> Result<(), ImportError>,
{
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut state = State {
        each,
        count: 0,
        stopped: None,
        found: false,
        _t: PhantomData::<fn() -> T>,
    };
    let result = match at {
        ArrayAt::Top => serde::Deserializer::deserialize_seq(&mut de, Elements(&mut state)),
        ArrayAt::Field(name) => {
            serde::Deserializer::deserialize_map(&mut de, InField(name, &mut state))
        }
    };
    if let Some(stopped) = state.stopped.take() {
        return Err(stopped);
    }
    result.map_err(ImportError::json)?;
    if let ArrayAt::Field(name) = at
        && !state.found
    {
        return Err(ImportError::Shape {
            format: "JSON",
            message: format!("the file has no '{name}' list"),
        });
    }
    Ok(state.count)
}

/// Skips the `window.YTD.tweets.part0 = ` that makes an X archive file JavaScript, leaving the
/// reader at the array. Fails if no `=` comes within the first 4 KiB.
pub(crate) fn skip_js_assignment<R: BufRead>(reader: &mut R) -> Result<(), ImportError> {
    let mut seen = 0usize;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        if let Some(pos) = buf.iter().position(|b| *b == b'=') {
            reader.consume(pos + 1);
            return Ok(());
        }
        let n = buf.len();
        reader.consume(n);
        seen += n;
        if seen > 4096 {
            break;
        }
    }
    Err(ImportError::Shape {
        format: "x-archive",
        message: "expected 'window.YTD.<type>.partN = [' at the start of the file".into(),
    })
}

struct State<T, F> {
    each: F,
    count: u64,
    stopped: Option<ImportError>,
    found: bool,
    _t: PhantomData<fn() -> T>,
}

struct Elements<'a, T, F>(&'a mut State<T, F>);

impl<'de, T, F> Visitor<'de> for Elements<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(u64, T) -> Result<(), ImportError>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let state = self.0;
        state.found = true;
        while let Some(element) = seq.next_element::<T>()? {
            if let Err(e) = (state.each)(state.count, element) {
                state.stopped = Some(e);
                return Err(A::Error::custom("stopped"));
            }
            state.count += 1;
        }
        Ok(())
    }
}

impl<'de, T, F> DeserializeSeed<'de> for Elements<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(u64, T) -> Result<(), ImportError>,
{
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

struct InField<'a, T, F>(&'static str, &'a mut State<T, F>);

impl<'de, T, F> Visitor<'de> for InField<'_, T, F>
where
    T: DeserializeOwned,
    F: FnMut(u64, T) -> Result<(), ImportError>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an object with a '{}' list", self.0)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (name, state) = (self.0, self.1);
        while let Some(key) = map.next_key::<String>()? {
            if key == name && !state.found {
                map.next_value_seed(Elements(&mut *state))?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(())
    }
}
