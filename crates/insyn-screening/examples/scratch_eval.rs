fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let corpus = insyn_screening::eval::parse_corpus(&text).unwrap();
    let s = insyn_screening::Screener::default_swedish();
    let r = insyn_screening::eval::evaluate(&s, &corpus);
    print!("{}", r.table());
    if std::env::args().any(|a| a == "-v") {
        for m in &r.mistakes {
            println!(
                "{:>4} {} {:<16} {}",
                m.line,
                m.kind,
                m.category.as_str(),
                m.text
            );
        }
    }
}
