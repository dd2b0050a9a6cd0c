//! A thin layer over `quick_xml::Writer` for the attribute-heavy documents METS and PREMIS are:
//! elements are written as they come (no tree is built), values are escaped by quick-xml.
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::Write;

pub(crate) struct Xml<W: Write> {
    w: Writer<W>,
}

fn start<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, *v));
    }
    e
}

impl<W: Write> Xml<W> {
    /// Starts a document with the XML declaration.
    pub fn new(out: W) -> std::io::Result<Self> {
        let mut w = Writer::new_with_indent(out, b' ', 1);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Xml { w })
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        self.w.write_event(Event::Start(start(name, attrs)))
    }

    pub fn close(&mut self, name: &str) -> std::io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> std::io::Result<()> {
        self.w.write_event(Event::Empty(start(name, attrs)))
    }

    /// `<name attrs>text</name>`
    pub fn text(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> std::io::Result<()> {
        self.w.write_event(Event::Start(start(name, attrs)))?;
        self.w.write_event(Event::Text(BytesText::new(text)))?;
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.w.get_mut().write_all(b"\n")?;
        Ok(self.w.into_inner())
    }
}
