//! The importers against hand-written exports in each platform's layout, bad input, and
//! property tests: whatever the bytes, an importer returns items or a clear error, never panics.
use insyn_domain::{AccountId, Direction, ItemKind};
use insyn_import::*;
use proptest::prelude::*;

fn ctx() -> ImportContext {
    ImportContext {
        account_id: AccountId(7),
        author_name: "Ekbacka kommun".into(),
        author_platform_id: "42".into(),
    }
}

fn run(format: Format, input: &str) -> (Result<ImportSummary, ImportError>, Vec<Imported>) {
    let mut got = Vec::new();
    let result = import(format, input.as_bytes(), &ctx(), &mut |i| {
        got.push(i);
        Ok(())
    });
    (result, got)
}

const TWEETS: &str = r#"window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "edit_info" : { "initial" : { "editTweetIds" : [ "1001", "1003" ], "editsRemaining" : "4", "isEditEligible" : true } },
      "retweeted" : false,
      "entities" : { "hashtags" : [ ], "urls" : [ ] },
      "display_text_range" : [ "0", "60" ],
      "favorite_count" : "3",
      "id_str" : "1001",
      "truncated" : false,
      "id" : "1001",
      "created_at" : "Wed Nov 18 09:30:00 +0000 2026",
      "full_text" : "Vintervägarna plogas från kl 04 &amp; sandas vid behov &lt;3",
      "lang" : "sv"
    }
  },
  {
    "tweet" : {
      "id_str" : "1002",
      "id" : "1002",
      "in_reply_to_status_id_str" : "999",
      "in_reply_to_status_id" : "999",
      "created_at" : "Thu Nov 19 10:00:00 +0000 2026",
      "full_text" : "@greta Tack, vi skickar en plogbil!",
      "lang" : "sv"
    }
  },
  {
    "tweet" : {
      "edit_info" : { "edit" : { "initialTweetId" : "1001", "editControlInitial" : { "editTweetIds" : [ "1001", "1003" ] } } },
      "id_str" : "1003",
      "id" : "1003",
      "created_at" : "Wed Nov 18 09:40:00 +0000 2026",
      "full_text" : "Vintervägarna plogas från kl 03",
      "lang" : "sv"
    }
  }
]"#;

#[test]
fn x_archive_posts_replies_and_edits() {
    let (result, got) = run(Format::XArchive, TWEETS);
    let summary = result.unwrap();
    assert_eq!(summary.items, 2, "the edit chain is one item");
    assert_eq!(got.len(), 2);
    let reply = &got[0].item;
    assert_eq!(reply.direction, Direction::Created);
    assert_eq!(reply.account_id, AccountId(7));
    assert_eq!(reply.raw_pointer, "/1/tweet");
    assert_eq!(reply.kind, ItemKind::Reply);
    assert_eq!(reply.parent_platform_id.as_deref(), Some("999"));
    // the edit chain: the first post's id and time, the latest text
    let edited = &got[1].item;
    assert_eq!(edited.platform_item_id, "1001");
    assert_eq!(edited.text, "Vintervägarna plogas från kl 03");
    assert_eq!(
        edited.platform_time.unwrap().to_rfc3339(),
        "2026-11-18T09:30:00+00:00"
    );
    assert_eq!(edited.raw_pointer, "/2/tweet");
}

#[test]
fn x_archive_escapes_are_undone() {
    let input = r#"window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "1", "created_at" : "Mon Jan 05 08:00:00 +0000 2026", "full_text" : "Plogning &amp; sandning &lt;3 &gt;" } } ]"#;
    let (_, got) = run(Format::XArchive, input);
    assert_eq!(got[0].item.text, "Plogning & sandning <3 >");
}

#[test]
fn x_archive_deleted_tweets_carry_the_deletion_time() {
    let input = r#"window.YTD.deleted_tweets.part0 = [ { "tweet" : { "id_str" : "5", "created_at" : "Mon Jan 05 08:00:00 +0000 2026", "deleted_at" : "Tue Jan 06 08:00:00 +0000 2026", "full_text" : "Fel tid för mötet" } } ]"#;
    let (result, got) = run(Format::XArchive, input);
    assert_eq!(result.unwrap().deleted, 1);
    assert_eq!(
        got[0].deleted_at.unwrap().to_rfc3339(),
        "2026-01-06T08:00:00+00:00"
    );
}

#[test]
fn truncated_export_names_the_place_and_keeps_what_came_before() {
    let cut = &TWEETS[..TWEETS.find("\"id_str\" : \"1003\"").unwrap()];
    let (result, got) = run(Format::XArchive, cut);
    let err = result.unwrap_err();
    assert!(matches!(err, ImportError::Json { .. }), "{err:?}");
    assert!(err.to_string().contains("line"), "{err}");
    assert_eq!(
        got.len(),
        1,
        "the whole reply before the cut was read; the edit chain waits for the end"
    );
}

#[test]
fn wrong_types_and_shapes_are_clear_errors() {
    let wrong = r#"window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "1", "created_at" : 12, "full_text" : "x" } } ]"#;
    let err = run(Format::XArchive, wrong).0.unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
    let bad_time = r#"window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "1", "created_at" : "igår", "full_text" : "x" } } ]"#;
    let err = run(Format::XArchive, bad_time).0.unwrap_err();
    assert!(
        matches!(&err, ImportError::Element { index: 0, message } if message.contains("igår")),
        "{err:?}"
    );
    let no_prefix = "[1, 2, 3]";
    let err = run(Format::XArchive, no_prefix).0.unwrap_err();
    assert!(matches!(err, ImportError::Shape { .. }), "{err:?}");
    let no_id = r#"window.YTD.tweets.part0 = [ { "tweet" : { "created_at" : "Mon Jan 05 08:00:00 +0000 2026", "full_text" : "x" } } ]"#;
    assert!(matches!(
        run(Format::XArchive, no_id).0.unwrap_err(),
        ImportError::Element { .. }
    ));
    assert!(matches!(
        run(Format::Mastodon, r#"{"type": "OrderedCollection"}"#)
            .0
            .unwrap_err(),
        ImportError::Shape { .. }
    ));
    assert!(matches!(
        run(Format::Facebook, "   ").0.unwrap_err(),
        ImportError::Shape { .. }
    ));
    assert!("tiktok".parse::<Format>().is_err());
}

#[test]
fn unknown_fields_are_ignored() {
    let input = r#"window.YTD.tweets.part0 = [ { "tweet" : { "id_str" : "1", "created_at" : "Mon Jan 05 08:00:00 +0000 2026", "full_text" : "Hej", "a_new_field" : { "nested" : [1, 2] } }, "also_new" : true } ]"#;
    let (result, got) = run(Format::XArchive, input);
    assert_eq!(result.unwrap().items, 1);
    assert_eq!(got[0].item.text, "Hej");
}

#[test]
fn a_refusing_sink_stops_the_import_with_its_message() {
    let mut n = 0;
    let err = import(Format::XArchive, TWEETS.as_bytes(), &ctx(), &mut |_| {
        n += 1;
        if n == 2 {
            Err("databasen är full".into())
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "databasen är full");
    assert_eq!(n, 2);
}

const OUTBOX: &str = r#"{
  "@context": "https://www.w3.org/ns/activitystreams",
  "id": "outbox.json",
  "type": "OrderedCollection",
  "totalItems": 3,
  "orderedItems": [
    {
      "id": "https://social.ekbacka.se/users/ekbacka/statuses/110/activity",
      "type": "Create",
      "actor": "https://social.ekbacka.se/users/ekbacka",
      "published": "2026-03-01T08:00:00Z",
      "object": {
        "id": "https://social.ekbacka.se/users/ekbacka/statuses/110",
        "type": "Note",
        "published": "2026-03-01T08:00:00Z",
        "inReplyTo": null,
        "content": "<p>Biblioteket har &quot;öppet hus&quot; på lördag.</p><p>Välkomna!</p>",
        "attachment": []
      }
    },
    {
      "id": "https://social.ekbacka.se/users/ekbacka/statuses/111/activity",
      "type": "Announce",
      "published": "2026-03-02T08:00:00Z",
      "object": "https://mastodon.example/users/x/statuses/5"
    },
    {
      "id": "https://social.ekbacka.se/users/ekbacka/statuses/112/activity",
      "type": "Create",
      "object": {
        "id": "https://social.ekbacka.se/users/ekbacka/statuses/112",
        "type": "Note",
        "published": "2026-03-03T09:15:00Z",
        "inReplyTo": "https://social.ekbacka.se/users/ekbacka/statuses/110",
        "content": "<p>Det blir fika också.</p>"
      }
    },
    {
      "type": "Create",
      "object": {
        "id": "https://social.ekbacka.se/users/ekbacka/statuses/113",
        "type": "Note",
        "published": "2026-03-04T09:15:00Z",
        "inReplyTo": "https://mastodon.example/users/greta/statuses/77",
        "content": "<p>@greta Ja, det stämmer.</p>"
      }
    }
  ]
}"#;

#[test]
fn mastodon_outbox_statuses_with_api_ids() {
    let (result, got) = run(Format::Mastodon, OUTBOX);
    let summary = result.unwrap();
    assert_eq!(
        (summary.items, summary.skipped),
        (3, 1),
        "the boost is skipped"
    );
    assert_eq!(got[0].item.platform_item_id, "110");
    assert_eq!(
        got[0].item.text,
        "Biblioteket har \"öppet hus\" på lördag.\nVälkomna!"
    );
    assert_eq!(got[1].item.parent_platform_id.as_deref(), Some("110"));
    assert_eq!(got[1].item.kind, ItemKind::Reply);
    assert_eq!(
        got[2].item.parent_platform_id.as_deref(),
        Some("https://mastodon.example/users/greta/statuses/77"),
        "a remote parent stays a URL"
    );
}

#[test]
fn facebook_posts_and_comments_with_mojibake_fixed() {
    // "Välkommen till förskolan" as Facebook writes it: UTF-8 bytes as Latin-1 escapes
    let posts = r#"[
      {"timestamp": 1767261600, "attachments": [], "data": [{"post": "V\u00c3\u00a4lkommen till f\u00c3\u00b6rskolan"}, {"update_timestamp": 1767261700}], "title": "Ekbacka kommun"},
      {"timestamp": 1767265200, "data": [{"update_timestamp": 1767265200}], "title": "Ekbacka kommun updated their cover photo."}
    ]"#;
    let (result, got) = run(Format::Facebook, posts);
    let summary = result.unwrap();
    assert_eq!((summary.items, summary.skipped), (1, 1));
    let post = &got[0].item;
    assert_eq!(post.text, "Välkommen till förskolan");
    assert_eq!(post.kind, ItemKind::Post);
    assert!(post.platform_item_id.starts_with("export:1767261600:"));
    // the same export again gives the same ids
    let (_, again) = run(Format::Facebook, posts);
    assert_eq!(again[0].item.platform_item_id, post.platform_item_id);

    let comments = r#"{"comments_v2": [
      {"timestamp": 1767348000, "data": [{"comment": {"timestamp": 1767348000, "comment": "Tack f\u00c3\u00b6r fr\u00c3\u00a5gan!", "author": "Ekbacka kommun"}}], "title": "Ekbacka kommun commented on Greta's post."}
    ]}"#;
    let (result, got) = run(Format::Facebook, comments);
    assert_eq!(result.unwrap().items, 1);
    assert_eq!(got[0].item.text, "Tack för frågan!");
    assert_eq!(got[0].item.kind, ItemKind::Comment);
}

#[test]
fn mojibake_fix_leaves_real_text_alone() {
    assert_eq!(fix_mojibake("Ã¥ngest"), "ångest");
    assert_eq!(
        fix_mojibake("åäö"),
        "åäö",
        "real Latin-1 text that is not UTF-8 bytes"
    );
    assert_eq!(fix_mojibake("plain"), "plain");
    assert_eq!(fix_mojibake("emoji 😀"), "emoji 😀");
}

#[test]
fn instagram_posts_and_both_comment_layouts() {
    let posts = r#"[
      {"media": [{"uri": "media/posts/202601/a.jpg", "creation_timestamp": 1767261600, "title": "Skridskobanan \u00c3\u00a4r spolad!"}]},
      {"media": [{"uri": "media/posts/202601/b.jpg", "creation_timestamp": 1767261700, "title": ""}, {"uri": "media/posts/202601/c.jpg", "creation_timestamp": 1767261700, "title": ""}], "title": "Bilder fr\u00c3\u00a5n julmarknaden", "creation_timestamp": 1767261700}
    ]"#;
    let (result, got) = run(Format::Instagram, posts);
    assert_eq!(result.unwrap().items, 2);
    assert_eq!(got[0].item.text, "Skridskobanan är spolad!");
    assert_eq!(got[1].item.text, "Bilder från julmarknaden");
    let old_layout = r#"[{"string_map_data": {"Comment": {"value": "Tack!"}, "Media Owner": {"value": "greta"}, "Time": {"timestamp": 1767348000}}}]"#;
    let new_layout = r#"{"comments_media_comments": [{"title": "", "string_map_data": {"Comment": {"value": "Tack!"}, "Time": {"timestamp": 1767348000}}}]}"#;
    let (a, x) = run(Format::Instagram, old_layout);
    let (b, y) = run(Format::Instagram, new_layout);
    assert_eq!((a.unwrap().items, b.unwrap().items), (1, 1));
    assert_eq!(x[0].item.platform_item_id, y[0].item.platform_item_id);
    assert_eq!(x[0].item.kind, ItemKind::Comment);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400), f in 0usize..4) {
        let format = Format::ALL[f];
        let _ = import(format, bytes.as_slice(), &ctx(), &mut |_| Ok(()));
    }

    #[test]
    fn arbitrary_json_values_never_panic(v in arb_json(), f in 0usize..4) {
        let format = Format::ALL[f];
        let text = serde_json::to_string(&v).unwrap();
        let _ = import(format, text.as_bytes(), &ctx(), &mut |_| Ok(()));
        let js = format!("window.YTD.tweets.part0 = {text}");
        let _ = import(Format::XArchive, js.as_bytes(), &ctx(), &mut |_| Ok(()));
        let wrapped = serde_json::json!([{"tweet": v.clone()}, {"tweet": v}]).to_string();
        let _ = import(Format::XArchive, format!("w = {wrapped}").as_bytes(), &ctx(), &mut |_| Ok(()));
    }

    /// Any post texts written into an archive come back exactly, in order, with their ids.
    #[test]
    fn x_archive_round_trip(texts in proptest::collection::vec("\\PC{0,80}", 1..20)) {
        let entries: Vec<serde_json::Value> = texts.iter().enumerate().map(|(i, t)| {
            let escaped = t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            serde_json::json!({"tweet": {"id_str": format!("{}", 10 + i), "created_at": "Mon Jan 05 08:00:00 +0000 2026", "full_text": escaped}})
        }).collect();
        let file = format!("window.YTD.tweets.part0 = {}", serde_json::to_string_pretty(&entries).unwrap());
        let (result, got) = run(Format::XArchive, &file);
        prop_assert_eq!(result.unwrap().items, texts.len() as u64);
        for (i, (t, g)) in texts.iter().zip(&got).enumerate() {
            prop_assert_eq!(&g.item.text, t);
            prop_assert_eq!(g.item.platform_item_id.clone(), format!("{}", 10 + i));
        }
    }
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        "\\PC{0,20}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("tweet"),
            Just("id_str"),
            Just("created_at"),
            Just("orderedItems"),
            Just("Create"),
            Just("object"),
            Just("data"),
            Just("post"),
            Just("comment"),
            Just("timestamp"),
            Just("string_map_data"),
            Just("Mon Jan 05 08:00:00 +0000 2026"),
            Just("https://a/b/statuses/1")
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("tweet".to_string()),
                        Just("id_str".to_string()),
                        Just("created_at".to_string()),
                        Just("full_text".to_string()),
                        Just("orderedItems".to_string()),
                        Just("type".to_string()),
                        Just("object".to_string()),
                        Just("id".to_string()),
                        Just("published".to_string()),
                        Just("data".to_string()),
                        Just("post".to_string()),
                        Just("comment".to_string()),
                        Just("timestamp".to_string()),
                        Just("media".to_string()),
                        Just("string_map_data".to_string()),
                        Just("comments_v2".to_string()),
                        Just("edit_info".to_string()),
                        "[a-z]{1,6}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}
