//! Word lists and templates for the demo municipality, Ekbacka kommun (fictional). The people,
//! places, identity numbers and phone numbers are invented; identity numbers are generated with
//! a valid check digit so that screening has something real to find.
use rand::Rng;
use rand::seq::IndexedRandom;

pub const FIRST_NAMES: &[&str] = &[
    "Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Mikael", "Lena",
    "Per", "Emma", "Karl", "Sofia", "Fredrik", "Elin", "Ahmed", "Fatima", "Mohammed", "Aisha",
    "Nils", "Ingrid", "Oskar", "Maja", "Ali", "Zeynep", "Björn", "Åsa", "Göran", "Linnéa", "Jukka",
    "Aino", "Dragan", "Milica", "Hanna", "Olle", "Britt", "Kerstin", "Sven",
];

pub const LAST_NAMES: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Hassan",
    "Ali",
    "Lindberg",
    "Lindqvist",
    "Berg",
    "Bergström",
    "Holm",
    "Sandberg",
    "Öberg",
    "Åkesson",
    "Virtanen",
    "Petrović",
    "Yilmaz",
    "Ek",
    "Hedlund",
    "Forsberg",
    "Sjöberg",
    "Wallin",
];

pub const PLACES: &[&str] = &[
    "Ekbackaskolan",
    "Storgatan",
    "biblioteket",
    "simhallen",
    "Björkängens äldreboende",
    "återvinningscentralen",
    "Kyrkbacken",
    "idrottsplatsen",
    "busshållplatsen vid torget",
    "förskolan Solrosen",
    "Ekbacka centrum",
    "badplatsen vid Långsjön",
    "fritidsgården Ungdomshuset",
    "gång- och cykelvägen längs ån",
    "vårdcentralen",
];

pub const TOPICS: &[&str] = &[
    "snöröjningen",
    "sophämtningen",
    "bygglovet för vårt garage",
    "skolskjutsen",
    "vattenledningen",
    "gatubelysningen",
    "parkeringsavgifterna",
    "maten i skolan",
    "hemtjänsten",
    "busstiderna",
    "lekplatsen",
    "renoveringen av simhallen",
    "detaljplanen för Norra Ekbacka",
    "fiberutbyggnaden",
    "vägarbetet på Storgatan",
    "förskoleplatsen",
    "färdtjänsten",
    "avgiften för hemtjänst",
];

pub const MONTHS: &[&str] = &[
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

/// Posts the authority writes (upprättade), by unit.
pub const POSTS: &[&[&str]] = &[
    // Kommunikation
    &[
        "Nu är det dags att tycka till om den nya översiktsplanen! Lämna dina synpunkter senast 30 {month}.",
        "Kommunfullmäktige sammanträder på torsdag kl. 18.00. Mötet sänds direkt på ekbacka.se.",
        "Vi söker sommarjobbare! Är du mellan 16 och 19 år och bor i Ekbacka? Ansök senast 15 {month}.",
        "Påminnelse: kommunens växel har stängt under lunch den här veckan. Ring 0123-45 60 00 efter kl. 13.",
        "Välkommen på medborgardialog om {topic} i {place} nästa tisdag kl. 18.",
    ],
    // Barn och utbildning
    &[
        "Ansökan till förskoleklass öppnar 1 {month}. Läs mer om hur du väljer skola på ekbacka.se/skola.",
        "Idag invigde vi den nya skolgården på {place}. Tack alla elever som varit med och planerat!",
        "Lovskolan startar vecka 26. Anmäl ditt barn via e-tjänsten senast 20 {month}.",
        "Skolmaten den här veckan: måndag fiskgratäng, tisdag linsgryta, onsdag kycklinggryta.",
    ],
    // Vård och omsorg
    &[
        "Nu erbjuds vaccination mot säsongsinfluensa för dig som är 65 år eller äldre. Boka tid på vårdcentralen.",
        "Björkängens äldreboende firar 30 år! Välkommen på tårta och musik i matsalen på lördag.",
        "Har du frågor om hemtjänst? Ring kommunens kontaktcenter vardagar 8–16.",
    ],
    // Samhällsbyggnad
    &[
        "Vägarbete på Storgatan från måndag. Räkna med omledning av trafiken i cirka tre veckor.",
        "Snöröjningen pågår. Vi prioriterar huvudgator, gång- och cykelvägar och busshållplatser först.",
        "Nu kan du söka bygglov digitalt. Handläggningstiden är för närvarande cirka sex veckor.",
        "Vattenavstängning i Norra Ekbacka onsdag kl. 9–12 på grund av ledningsarbete.",
    ],
    // Kultur och fritid
    &[
        "Sommarläsning på biblioteket! Läs fem böcker och få ett diplom. Start 10 {month}.",
        "Simhallen håller stängt för renovering till och med {month}. Välkommen tillbaka efter det!",
        "Fritidsgården har öppet hus på fredag med musikquiz och pingisturnering.",
    ],
    // Räddningstjänst
    &[
        "Eldningsförbud gäller i hela kommunen från och med idag på grund av brandrisken.",
        "Kom ihåg att testa brandvarnaren! Första advent är ett bra tillfälle.",
        "Övning vid Långsjön på lördag. Du kan höra sirener mellan kl. 10 och 12.",
    ],
];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CommentKind {
    Question,
    Praise,
    Complaint,
    Opinion,
    CaseQuestion,
    CaseRequest,
    PersonalData,
    SecretInformation,
    Insult,
    Threat,
}

/// How often each kind of comment occurs (weights).
pub const COMMENT_MIX: &[(CommentKind, u32)] = &[
    (CommentKind::Question, 26),
    (CommentKind::Praise, 18),
    (CommentKind::Complaint, 16),
    (CommentKind::Opinion, 14),
    (CommentKind::CaseQuestion, 7),
    (CommentKind::CaseRequest, 5),
    (CommentKind::PersonalData, 5),
    (CommentKind::SecretInformation, 3),
    (CommentKind::Insult, 4),
    (CommentKind::Threat, 2),
];

const QUESTIONS: &[&str] = &[
    "Hej! När öppnar {place} igen?",
    "Vem ska jag kontakta om {topic}?",
    "Gäller det här även för oss som bor utanför tätorten?",
    "Var hittar jag mer information om {topic}?",
    "Varför har ingen svarat på mitt mejl om {topic}?",
    "Kommer det att finnas parkering vid {place}?",
    "Hur långt är handläggningstiden just nu?",
];

const PRAISE: &[&str] = &[
    "Tack för bra information!",
    "Vad fint det blev vid {place}! 👏",
    "Toppen, äntligen händer något med {topic}.",
    "Stort tack till personalen på {place}, ni gör ett fantastiskt jobb.",
    "Bra initiativ!",
];

const COMPLAINTS: &[&str] = &[
    "Jag vill klaga på {topic}. Det har varit dåligt hela vintern.",
    "Det är en skandal att {topic} fortfarande inte fungerar. Vi betalar skatt för det här!",
    "Klagomål: ingen har plogat vid {place} sedan i söndags och det är livsfarligt.",
    "Jag är mycket missnöjd med hur ni hanterat {topic}. Det här är inte acceptabelt.",
    "Tredje gången jag påpekar det: {topic} vid {place} är under all kritik.",
];

const OPINIONS: &[&str] = &[
    "Bygg hellre en ny simhall än fler parkeringsplatser.",
    "Min synpunkt är att {topic} borde prioriteras före allt annat.",
    "Jag tycker att kommunen ska satsa mer på {place}.",
    "Lägg ner planerna för Norra Ekbacka, skogen behövs för friluftslivet.",
    "Fler cykelbanor tack! Det är farligt att cykla till {place}.",
];

const CASE_QUESTIONS: &[&str] = &[
    "Hur går det med mitt ärende {diary}? Jag skickade in ansökan i {month}.",
    "Jag har fortfarande inte fått beslut i ärende {diary} om {topic}.",
    "Angående dnr {diary}: när fattas beslutet?",
    "Min ansökan om {topic} har legat hos er sedan {month}, vad händer?",
];

const CASE_REQUESTS: &[&str] = &[
    "Jag vill ansöka om förskoleplats för min dotter från och med {month}.",
    "Jag begär att få ta del av protokollet från nämndens senaste möte.",
    "Begäran om allmän handling: alla mejl om {topic} från {month}.",
    "Jag vill överklaga beslutet om {topic}.",
    "Jag vill anmäla en trafikfarlig korsning vid {place}.",
];

const PERSONAL_DATA: &[&str] = &[
    "Min son {name} har personnummer {pnr}, kan någon ringa mig på {phone}?",
    "Ring mig på {phone} angående {topic}. Mvh {name}",
    "Jag bor på {street} och vill veta när {topic} blir klart. Mejla {email}.",
    "Personnummer {pnr}, jag har väntat i tre månader på svar.",
];

const SECRETS: &[&str] = &[
    "Socialtjänsten har inte hjälpt oss, min handläggare svarar inte om vårt LVU-ärende.",
    "Min mamma på {place} har fått fel medicin två gånger, hon har diabetes och demens.",
    "Vi har fått försörjningsstöd sedan i våras men nu har utbetalningen stoppats.",
    "Min dotter {name} blir mobbad i skolan och skolkuratorn vet om det men gör ingenting.",
    "Jag gjorde en orosanmälan om grannens barn i {month} och ingen har hört av sig.",
];

const INSULTS: &[&str] = &[
    "{name} på tekniska kontoret är en idiot som inte kan sitt jobb.",
    "Politikerna i Ekbacka är korrupta jävla idioter.",
    "Vilken inkompetent pajas {name} är.",
    "Ni är helt värdelösa allihop.",
];

const THREATS: &[&str] = &[
    "Om ni inte fixar {topic} så vet jag var {name} bor.",
    "{name} ska få ångra sig, det lovar jag.",
    "Någon borde ge {name} en läxa hon aldrig glömmer.",
    "Fortsätter det så här kommer det att smälla på kommunhuset.",
];

pub const ANSWERS: &[&str] = &[
    "Hej! Tack för ditt meddelande. Vi har skickat vidare det till berörd verksamhet.",
    "Hej! Du hittar mer information på ekbacka.se. Du är också välkommen att ringa kontaktcenter på 0123-45 60 00.",
    "Hej! Frågor om enskilda ärenden kan vi inte svara på här. Kontakta din handläggare eller kontaktcenter.",
    "Hej! Tack för din synpunkt, vi har registrerat den och lämnat den till ansvarig nämnd.",
    "Hej! Snöröjningen pågår och vi kommer till din gata så snart vi kan.",
];

pub const SIGNATURES: &[&str] = &[
    "/Anna, kommunikatör",
    "/Erik, kommunikatör",
    "/Sara, kontaktcenter",
    "/Johan, samhällsbyggnad",
];

pub fn pick<'a>(rng: &mut impl Rng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

pub fn comment_kind(rng: &mut impl Rng) -> CommentKind {
    let total: u32 = COMMENT_MIX.iter().map(|(_, w)| w).sum();
    let mut x = rng.random_range(0..total);
    for (kind, w) in COMMENT_MIX {
        if x < *w {
            return *kind;
        }
        x -= w;
    }
    CommentKind::Question
}

pub fn comment_template(rng: &mut impl Rng, kind: CommentKind) -> &'static str {
    let list = match kind {
        CommentKind::Question => QUESTIONS,
        CommentKind::Praise => PRAISE,
        CommentKind::Complaint => COMPLAINTS,
        CommentKind::Opinion => OPINIONS,
        CommentKind::CaseQuestion => CASE_QUESTIONS,
        CommentKind::CaseRequest => CASE_REQUESTS,
        CommentKind::PersonalData => PERSONAL_DATA,
        CommentKind::SecretInformation => SECRETS,
        CommentKind::Insult => INSULTS,
        CommentKind::Threat => THREATS,
    };
    pick(rng, list)
}

/// A Swedish personal identity number, YYMMDD-NNNC, with a valid check digit.
pub fn personnummer(rng: &mut impl Rng) -> String {
    let year = rng.random_range(1940..2012) % 100;
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let serial = rng.random_range(0..1000);
    let nine = format!("{year:02}{month:02}{day:02}{serial:03}");
    let check = insyn_screening::validate::luhn_check_digit(&nine).unwrap_or(0);
    format!("{}-{serial:03}{check}", &nine[..6])
}

pub fn phone(rng: &mut impl Rng) -> String {
    format!(
        "07{}-{:03} {:02} {:02}",
        rng.random_range(0..10),
        rng.random_range(0..1000),
        rng.random_range(0..100),
        rng.random_range(0..100)
    )
}

pub fn fill(rng: &mut impl Rng, template: &str, year: i32) -> String {
    let mut out = template.to_string();
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, LAST_NAMES);
    let replacements: [(&str, String); 9] = [
        ("{place}", pick(rng, PLACES).to_string()),
        ("{topic}", pick(rng, TOPICS).to_string()),
        ("{month}", pick(rng, MONTHS).to_string()),
        (
            "{diary}",
            format!("KS {year}/{:04}", rng.random_range(1..1500)),
        ),
        ("{name}", format!("{first} {last}")),
        ("{pnr}", personnummer(rng)),
        ("{phone}", phone(rng)),
        (
            "{street}",
            format!(
                "{}vägen {}",
                pick(rng, &["Björk", "Ek", "Tall", "Sjö", "Skol", "Kyrk"]),
                rng.random_range(1..60)
            ),
        ),
        (
            "{email}",
            format!(
                "{}.{}@exempel.se",
                first.to_lowercase(),
                last.to_lowercase()
            ),
        ),
    ];
    for (key, value) in replacements {
        if out.contains(key) {
            out = out.replace(key, &value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_matches_known_number() {
        // 811218-9876 is the usual documentation example of a valid personnummer
        assert_eq!(
            insyn_screening::validate::luhn_check_digit("811218987"),
            Some(6)
        );
        let mut rng = rand::rng();
        for _ in 0..100 {
            let p = personnummer(&mut rng);
            let digits: String = p.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(
                insyn_screening::validate::luhn_check_digit(&digits[..9]),
                digits[9..].parse::<u8>().ok()
            );
        }
    }
}
