//! `startChat`'s memberInfo: the guest's names and contact fields, and the customFields the chat is created
//! with, from the command's entry form, its flat options and the userData. The shell hands over the page's values
//! as plain entries (read with the page's getters caught, [`member_info`]); what they mean is decided here.
//!
//! The entry form is read from `form` (as the shipped widget reads it) and from the documented flat options
//! (`form` wins). customFields: with a `form`, as the vendor sends them — `firstName`, `lastName`, `nickname`, the
//! configured userData merged with the command's, `_genesys_source`, `_genesys_referrer`, `_genesys_url`,
//! `_genesys_pageTitle`, then the form's other fields as named; without one, the merged userData (and `subject`).
//! A key keeps the place it was first given (a later value replaces the earlier one there). customFields is a JSON
//! object, whose keys carry no order: the vendor's JS object would write keys that are array indices first; they
//! are written here in the order first given.

use crate::core::guestchat::MemberInfo;
use crate::core::text::Json;

/// A customField's value as JSON is at most a message body's 4,000 characters: a cycle, or anything larger, is
/// written empty.
pub const JSON_MAX: u32 = 4000;

/// The merged customFields: each key with its value as text, `None` for one that is not sent.
type Entries = Vec<(String, Option<String>)>;

/// The memberInfo for the shell's record of `startChat`'s options; `Err` ([`super::BAD_USERDATA`]) when the
/// command's userData is not a plain object.
///
/// The record is `[options, form, userData, base, referrer, url, title]`: the entries of the options, of `form`
/// (`null` unless a plain object), of the command's userData (`null` when it is not a plain object, `[]` when
/// absent) and of the configured userData (with what `updateUserData` added), then the page's `document.referrer`,
/// `location.href` and `document.title`. Entries are lists of `[key, value]`: a string value is itself, `null` is
/// null, undefined or a function, and anything else is `[its text]` (an object as JSON of at most [`JSON_MAX`]
/// characters, else empty; anything else as `String(v)` writes it).
pub fn member_info(record: &impl Json) -> Result<MemberInfo, &'static str> {
    let parts = record.items();
    let part = |i: usize| parts.get(i).filter(|p| p.is_object());
    let user_data = part(2).ok_or(super::BAD_USERDATA)?;
    let form = part(1);
    // A named field: the form's when it is a non-empty string, else the option's when it is one.
    let given = |k: &str| {
        form.and_then(|f| string_field(f, k))
            .or_else(|| part(0).and_then(|o| string_field(o, k)))
    };
    let first = given("firstname");
    let last = given("lastname");
    let nick = given("nickname");
    let subject = given("subject");
    let email = given("email");
    let phone_number = given("phoneNumber").or_else(|| given("phonenumber"));
    let avatar_image_url = given("avatarImageUrl");
    let mut merged = Entries::new();
    if form.is_some() {
        set(&mut merged, "firstName", first.clone());
        set(&mut merged, "lastName", last.clone());
        set(&mut merged, "nickname", nick.clone());
    }
    if let Some(base) = part(3) {
        merge(&mut merged, base);
    }
    merge(&mut merged, user_data);
    match form {
        Some(form) => {
            let text = |i: usize| parts.get(i).and_then(Json::text);
            set(&mut merged, "_genesys_source", Some("web".into()));
            set(&mut merged, "_genesys_referrer", text(4));
            set(&mut merged, "_genesys_url", text(5));
            set(&mut merged, "_genesys_pageTitle", text(6));
            for pair in form.items() {
                let Some((k, v)) = entry(&pair) else { continue };
                let own = matches!(k.as_str(), "firstname" | "lastname" | "nickname");
                if !own && !merged.iter().any(|(m, _)| *m == k) {
                    merged.push((k, v));
                }
            }
        }
        None if subject.is_some() => set(&mut merged, "subject", subject),
        None => {}
    }
    let mut custom_fields = Vec::new();
    for (k, v) in merged {
        if let Some(v) = v {
            custom_fields.push((k, v));
        }
    }
    Ok(MemberInfo {
        display_name: nick.or_else(|| first.clone()),
        first_name: first,
        last_name: last,
        email,
        phone_number,
        avatar_image_url,
        custom_fields,
    })
}

/// Gives each of `entries`' keys its value.
fn merge(merged: &mut Entries, entries: &impl Json) {
    for pair in entries.items() {
        if let Some((k, v)) = entry(&pair) {
            set(merged, &k, v);
        }
    }
}

/// An entry `[key, value]` as the key and the value's text.
fn entry(pair: &impl Json) -> Option<(String, Option<String>)> {
    let kv = pair.items();
    let k = kv.first().and_then(Json::text)?;
    let v = kv.get(1)?;
    Some((k, v.text().or_else(|| v.items().first().and_then(Json::text))))
}

/// The value of `k` in `entries` when it is a string that is not empty.
fn string_field(entries: &impl Json, k: &str) -> Option<String> {
    for pair in entries.items() {
        let kv = pair.items();
        if kv.first().and_then(Json::text).as_deref() == Some(k) {
            return kv.get(1).and_then(Json::text).filter(|v| !v.is_empty());
        }
    }
    None
}

/// Gives `k` the value `v`: a key keeps the place it was first given, as in a JS object.
fn set(merged: &mut Entries, k: &str, v: Option<String>) {
    match merged.iter_mut().find(|(m, _)| m == k) {
        Some(slot) => slot.1 = v,
        None => merged.push((k.into(), v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::guestchat::read::tests::T;

    /// A string value.
    fn s(v: &str) -> T {
        T::Str(v.into())
    }

    /// Any other value, as its text.
    fn o(text: &str) -> T {
        T::Arr(vec![s(text)])
    }

    fn list(pairs: &[(&str, T)]) -> T {
        T::Arr(pairs.iter().map(|(k, v)| T::Arr(vec![s(k), v.clone()])).collect())
    }

    /// What startChat's options were, as the shell reads them.
    #[derive(Default)]
    struct Rec<'a> {
        options: &'a [(&'a str, T)],
        form: Option<&'a [(&'a str, T)]>,
        user_data: Option<&'a [(&'a str, T)]>,
        base: &'a [(&'a str, T)],
        page: [Option<&'a str>; 3],
    }

    fn info(r: Rec) -> Result<MemberInfo, &'static str> {
        let opt = |v: Option<&[(&str, T)]>| v.map_or(T::Null, list);
        let mut parts = vec![list(r.options), opt(r.form), opt(r.user_data), list(r.base)];
        for p in r.page {
            parts.push(p.map_or(T::None, s));
        }
        member_info(&T::Arr(parts))
    }

    fn fields(m: &MemberInfo) -> Vec<(&str, &str)> {
        m.custom_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn keys(m: &MemberInfo) -> Vec<&str> {
        m.custom_fields.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn flat_options_and_user_data_as_strings() {
        let m = info(Rec {
            options: &[
                ("nickname", s("")),
                ("firstname", s("Ann")),
                ("lastname", o("7")),
                ("phonenumber", s("555")),
                ("subject", s("Help")),
            ],
            user_data: Some(&[
                ("age", o("42")),
                ("vip", o("true")),
                ("tags", o("[\"a\"]")),
                ("none", T::Null),
                ("note", s("n")),
            ]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.display_name.as_deref(), Some("Ann"));
        assert_eq!(m.first_name.as_deref(), Some("Ann"));
        assert_eq!(m.phone_number.as_deref(), Some("555"));
        // A name that is not a string is not one.
        assert_eq!(m.last_name, None);
        assert_eq!(
            fields(&m),
            [
                ("age", "42"),
                ("vip", "true"),
                ("tags", "[\"a\"]"),
                ("note", "n"),
                ("subject", "Help")
            ]
        );
    }

    #[test]
    fn a_user_data_that_is_not_a_plain_object_is_refused() {
        let refused = info(Rec {
            user_data: None,
            ..Default::default()
        });
        assert_eq!(refused, Err(crate::core::webchat::BAD_USERDATA));
        // An absent userData comes as an empty list: nothing to merge.
        let m = info(Rec {
            user_data: Some(&[]),
            ..Default::default()
        });
        assert_eq!(m.map(|m| m.custom_fields.len()), Ok(0));
    }

    #[test]
    fn the_form_wins_and_gives_the_vendors_custom_fields() {
        let m = info(Rec {
            form: Some(&[
                ("nickname", s("Jo")),
                ("firstname", s("Joanna")),
                ("lastname", s("Smith")),
                ("email", s("jo@x.io")),
                ("subject", s("Help")),
            ]),
            options: &[("nickname", s("flat")), ("lastname", s("Flat"))],
            user_data: Some(&[("extra", s("x"))]),
            page: [None, Some("https://x.io/"), Some("T")],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.display_name.as_deref(), Some("Jo"));
        assert_eq!(m.first_name.as_deref(), Some("Joanna"));
        assert_eq!(m.last_name.as_deref(), Some("Smith"));
        assert_eq!(m.email.as_deref(), Some("jo@x.io"));
        // `_genesys_referrer` has no value: it is not sent, but it holds its place.
        assert_eq!(
            keys(&m),
            [
                "firstName",
                "lastName",
                "nickname",
                "extra",
                "_genesys_source",
                "_genesys_url",
                "_genesys_pageTitle",
                "email",
                "subject"
            ]
        );
        assert!(m
            .custom_fields
            .contains(&("_genesys_source".into(), "web".into())));
    }

    #[test]
    fn an_empty_form_field_gives_way_to_the_flat_option() {
        let m = info(Rec {
            form: Some(&[("firstname", s(""))]),
            options: &[("firstname", s("Flat"))],
            user_data: Some(&[]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.first_name.as_deref(), Some("Flat"));
        assert_eq!(fields(&m).first(), Some(&("firstName", "Flat")));
    }

    #[test]
    fn a_later_value_keeps_the_first_place() {
        let m = info(Rec {
            base: &[("b", s("1")), ("a", s("base")), ("10", s("x"))],
            user_data: Some(&[("2", s("y")), ("a", s("cmd"))]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(fields(&m), [("b", "1"), ("a", "cmd"), ("10", "x"), ("2", "y")]);
    }

    #[test]
    fn a_form_field_already_merged_is_not_sent_twice() {
        let m = info(Rec {
            form: Some(&[
                ("firstname", s("Ann")),
                ("extra", s("form")),
                ("firstName", s("F")),
            ]),
            user_data: Some(&[("extra", s("ud"))]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            fields(&m),
            [("firstName", "Ann"), ("extra", "ud"), ("_genesys_source", "web")]
        );
    }

    #[test]
    fn without_a_nickname_the_first_name_is_shown_and_phone_number_wins() {
        let m = info(Rec {
            options: &[
                ("firstname", s("Ann")),
                ("phoneNumber", s("1")),
                ("phonenumber", s("2")),
            ],
            user_data: Some(&[]),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.display_name.as_deref(), Some("Ann"));
        assert_eq!(m.phone_number.as_deref(), Some("1"));
        assert!(m.custom_fields.is_empty());
    }
}
