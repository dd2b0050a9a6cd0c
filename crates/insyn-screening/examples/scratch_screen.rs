use std::io::Read;
fn main() {
    let s = insyn_screening::Screener::default_swedish();
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    let draft = std::env::args().any(|a| a == "--draft");
    for line in input.lines() {
        let f = if draft {
            s.screen_draft(line)
        } else {
            s.screen(line)
        };
        println!("» {line}");
        for x in f {
            println!(
                "   {:<16} {:.2} {:<28} {:?}",
                x.category.as_str(),
                x.confidence,
                x.rule,
                x.text(line)
            );
        }
    }
}
