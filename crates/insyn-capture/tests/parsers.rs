//! Property tests: every connector's response parser turns arbitrary bytes and arbitrary JSON into
//! items or a clear error, never a panic.
use insyn_capture::{Target, bluesky, facebook, feed, instagram, linkedin, x, youtube};
use insyn_domain::AccountId;
use proptest::prelude::*;

fn target() -> Target {
    Target {
        account_id: AccountId(1),
        platform_account_id: "1001".into(),
    }
}

/// Arbitrary JSON values, biased toward the shapes the parsers look for.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("data".to_string()),
            Just("id".to_string()),
            Just("message".to_string()),
            Just("text".to_string()),
            Just("from".to_string()),
            Just("paging".to_string()),
            Just("replies".to_string()),
            Just("attachments".to_string()),
            Just("children".to_string()),
            Just("includes".to_string()),
            Just("feed".to_string()),
            Just("items".to_string()),
            Just("elements".to_string()),
            Just("commentary".to_string()),
            Just("snippet".to_string()),
            Just("topLevelComment".to_string()),
            Just("post".to_string()),
            Just("record".to_string()),
            Just("thread".to_string()),
            Just("edit_history_tweet_ids".to_string()),
            Just("referenced_tweets".to_string()),
            "[a-z_]{1,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn all_parsers(body: &[u8]) {
    let t = target();
    let _ = facebook::parse_feed(&t, body);
    let _ = facebook::parse_comments(&t, body);
    let _ = facebook::parse_messages(&t, body);
    let _ = instagram::parse_pages(&t, body);
    let _ = x::parse_page(&t, body);
    let _ = x::parse_dm_page(&t, body);
    let _ = bluesky::parse_pages(&t, body);
    let _ = youtube::parse_pages(&t, body);
    let _ = linkedin::parse_pages(&t, body);
    let _ = feed::parse_feed(body);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        all_parsers(&body);
    }

    #[test]
    fn arbitrary_json_never_panics(v in json()) {
        all_parsers(v.to_string().as_bytes());
        all_parsers(serde_json::json!({"data": [v.clone()], "paging": v}).to_string().as_bytes());
    }
}

#[test]
fn unknown_fields_are_ignored_and_wrong_types_refused() {
    let t = target();
    let ok = br#"{"data":[{"id":"1001_1","message":"Hej","created_time":"2026-11-23T10:00:00+0000","from":{"id":"1001","name":"K"},"brand_new_field":{"x":[1,2]}}],"paging":{}}"#;
    assert_eq!(facebook::parse_feed(&t, ok).unwrap(), 1);
    assert!(facebook::parse_feed(&t, br#"{"data":[{"id":1001}]}"#).is_err());
    assert!(facebook::parse_feed(&t, br#"{"data":[{"id":"1","message":"abc"#).is_err());
}

/// Arbitrary XML-ish text built from feed element names never panics the feed parser.
fn xmlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<rss>".to_string()),
        Just("</rss>".to_string()),
        Just("<channel>".to_string()),
        Just("</channel>".to_string()),
        Just("<item>".to_string()),
        Just("</item>".to_string()),
        Just("<guid>".to_string()),
        Just("</guid>".to_string()),
        Just("<feed>".to_string()),
        Just("<entry><id>x</id>".to_string()),
        Just("</entry>".to_string()),
        Just("<link rel=\"next\" href=\"h\"/>".to_string()),
        Just("<![CDATA[<p>a</p>]]>".to_string()),
        Just("&amp;&#229;&bogus;&#xZZ;".to_string()),
        "[a-zåäö <>&;\"=/]{0,10}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn arbitrary_xml_never_panics(doc in xmlish()) {
        let _ = feed::parse_feed(doc.as_bytes());
    }
}

#[test]
fn every_connector_refuses_bad_configuration_and_hides_its_token() {
    use insyn_domain::Platform;
    for p in Platform::ALL {
        let org = "urn:li:organization:1";
        assert!(
            insyn_capture::connect(p, "not a url", "t", org).is_err(),
            "{p:?}"
        );
        assert!(
            insyn_capture::connect(p, "ftp://x/", "t", org).is_err(),
            "{p:?}"
        );
        if p != Platform::Feed {
            // a feed may be public; every API needs a token
            assert!(
                insyn_capture::connect(p, "http://127.0.0.1:1/", " ", org).is_err(),
                "{p:?}"
            );
        }
    }
    assert!(
        insyn_capture::connect(
            Platform::Linkedin,
            "http://127.0.0.1:1/",
            "t",
            "urn:li:person:1"
        )
        .is_err()
    );
    let x = insyn_capture::x::X::new("http://127.0.0.1:1/", "secret-token-123").unwrap();
    assert!(!format!("{x:?}").contains("secret-token-123"));
}
