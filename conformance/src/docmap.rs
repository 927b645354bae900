//! A generated documentation redirect map of the shape of a large documentation site's real one
//! (about 13,000 rows): old paths under `/en-US/docs/` that moved within their section
//! (`Interface.member` to `Interface/member`, `onevent` to `event_event`), to another
//! interface, to a new section, or off the site; CamelCase names throughout. Deterministic, so
//! that the density it measures is the same on every run.

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const SECTIONS: &[&str] = &[
    "Web/API",
    "Web/API",
    "Web/API",
    "Web/CSS",
    "Web/HTML/Element",
    "Web/JavaScript/Reference/Global_Objects",
    "Web/Accessibility/ARIA",
    "Learn/JavaScript/Client-side_web_APIs",
    "Mozilla/Firefox/Releases",
    "Glossary",
];
const OLD_SECTIONS: &[&str] = &["DOM", "API", "AJAX", "ARIA", "Accessibility", "JavaScript", "CSS", "HTML", "Web"];
const WORDS: &[&str] = &[
    "Audio",
    "Context",
    "Node",
    "Element",
    "HTML",
    "Performance",
    "Timing",
    "Payment",
    "Request",
    "Event",
    "Position",
    "Offscreen",
    "Canvas",
    "Path",
    "Worklet",
    "Geolocation",
    "Error",
    "Presentation",
    "Connection",
    "Observer",
    "Media",
    "Stream",
    "Track",
    "Source",
    "Buffer",
    "Video",
    "Picture",
    "Window",
    "Service",
    "Worker",
    "Navigation",
    "Resource",
    "Sensor",
    "Device",
    "Bluetooth",
    "Remote",
    "GATT",
    "XR",
    "Web",
    "GL",
    "Rendering",
    "Shadow",
    "Root",
];
const MEMBERS: &[&str] = &[
    "start",
    "stop",
    "type",
    "name",
    "message",
    "value",
    "length",
    "detune",
    "frequency",
    "connect",
    "disconnect",
    "current",
    "time",
    "state",
    "ready",
    "loaded",
    "total",
    "code",
    "coords",
    "timestamp",
    "append",
    "children",
    "first",
    "last",
    "child",
    "count",
    "element",
    "request",
    "response",
    "domain",
    "lookup",
    "end",
    "redirect",
];
const TOPICS: &[&str] = &[
    "Using",
    "the",
    "Basic",
    "Concepts",
    "Getting",
    "Started",
    "Guide",
    "Introduction",
    "Techniques",
    "Live",
    "Regions",
    "role",
    "attribute",
    "Tutorial",
    "Adding",
    "content",
    "to",
    "a",
    "context",
    "Overview",
    "of",
    "forms",
];

fn camel(rng: &mut Rng, words: usize) -> String {
    (0..words).map(|_| rng.pick(WORDS)).collect()
}

fn member(rng: &mut Rng) -> String {
    let first = rng.pick(MEMBERS).to_string();
    let more = (rng.next() % 3) as usize;
    let rest: String = (0..more)
        .map(|_| {
            let word = rng.pick(MEMBERS);
            format!("{}{}", word[..1].to_ascii_uppercase(), &word[1..])
        })
        .collect();
    first + &rest
}

fn topic(rng: &mut Rng) -> String {
    let words = 2 + (rng.next() % 4) as usize;
    (0..words).map(|_| rng.pick(TOPICS)).collect::<Vec<_>>().join("_")
}

/// `rows` redirects `(from, to)` with distinct paths, also when case is ignored.
pub fn documentation_map(rows: usize) -> Vec<(String, String)> {
    let mut rng = Rng(0x00d0_c5ee_d5ee_d001);
    let mut seen = std::collections::BTreeSet::new();
    let mut map = Vec::with_capacity(rows);
    while map.len() < rows {
        let section = rng.pick(SECTIONS);
        let words = 2 + (rng.next() % 2) as usize;
        let iface = camel(&mut rng, words);
        let base = format!("/en-US/docs/{section}/{iface}");
        let (from, to) = match rng.next() % 20 {
            0..=7 => {
                let m = member(&mut rng);
                (format!("{base}.{m}"), format!("{base}/{m}"))
            }
            8..=10 => {
                let event = rng.pick(MEMBERS).to_string() + rng.pick(MEMBERS);
                (format!("{base}/on{event}"), format!("{base}/{event}_event"))
            }
            11..=13 => {
                let m = member(&mut rng);
                (format!("{base}/{m}"), format!("/en-US/docs/{section}/{}/{m}", camel(&mut rng, 2)))
            }
            14..=17 => {
                let t = topic(&mut rng);
                (format!("/en-US/docs/{}/{t}", rng.pick(OLD_SECTIONS)), format!("/en-US/docs/{section}/{t}"))
            }
            18 => (
                format!("/en-US/docs/{}", topic(&mut rng)),
                format!("https://extensions.example.org/{}/", topic(&mut rng).to_ascii_lowercase()),
            ),
            _ => (format!("{base}/{}", member(&mut rng)), base.clone()),
        };
        if seen.insert(from.to_ascii_lowercase()) {
            map.push((from, to));
        }
    }
    map
}
