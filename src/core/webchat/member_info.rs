//! `startChat`'s memberInfo: the guest's names and contact fields, and the customFields the chat is created
//! with, from the command's entry form, its flat options and the userData. The shell reads the page's values
//! (its getters caught) into [`StartOptions`]; what they mean is decided here.
//!
//! The entry form is read from `form` (as the shipped widget reads it) and from the documented flat options
//! (`form` wins). customFields: with a `form`, as the vendor sends them — `firstName`, `lastName`, `nickname`, the
//! configured userData merged with the command's, `_genesys_source`, `_genesys_referrer`, `_genesys_url`,
//! `_genesys_pageTitle`, then the form's other fields as named; without one, the merged userData (and `subject`).
//! A key keeps the place it was first given (a later value replaces the earlier one there), and keys that are
//! array indices come first, ascending: the order of a JS object's keys, which is what the vendor's code sends.

use crate::core::guestchat::MemberInfo;

/// The fields read by name, from `form` and from the options themselves (`NAMED[i]` is [`StartOptions::form`]'s
/// and [`StartOptions::flat`]'s `i`-th; [`member_info`] takes them apart in this order).
pub const NAMED: [&str; 8] = [
    "firstname",
    "lastname",
    "nickname",
    "email",
    "phoneNumber",
    "phonenumber",
    "avatarImageUrl",
    "subject",
];

/// A customField's value as JSON is at most a message body's 4,000 characters: a cycle, or anything larger, is
/// written empty.
pub const JSON_MAX: u32 = 4000;

/// An object's own entries as the page gave them: the key, and the value as text (a string as itself, an object
/// as JSON of at most [`JSON_MAX`] characters, else empty, anything else as `String(v)` makes it), `None` for
/// null, undefined or a function.
pub type Entries = Vec<(String, Option<String>)>;

/// What `startChat`'s options hold, as read from the page.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StartOptions {
    /// When `form` is a plain object: the [`NAMED`] fields in it that are strings, and its own entries.
    pub form: Option<([Option<String>; 8], Entries)>,
    /// The [`NAMED`] fields of the options themselves that are strings.
    pub flat: [Option<String>; 8],
    /// The command's userData: its entries when it is a plain object, empty when it is null or absent, `None` when
    /// it is anything else.
    pub user_data: Option<Entries>,
    /// The configured userData (with what `updateUserData` added), entries.
    pub base: Entries,
    /// The page's `document.referrer`, `location.href` and `document.title`.
    pub referrer: Option<String>,
    pub url: Option<String>,
    pub title: Option<String>,
}

/// The memberInfo for `o`; `Err` ([`super::BAD_USERDATA`]) when the command's userData is not a plain object.
pub fn member_info(o: StartOptions) -> Result<MemberInfo, &'static str> {
    let user_data = o.user_data.ok_or(super::BAD_USERDATA)?;
    let (mut form_named, form) = match o.form {
        Some((named, entries)) => (Some(named), Some(entries)),
        None => (None, None),
    };
    // Each named field: the form's when it is a non-empty string, else the flat option's when it is one.
    let mut given = o.flat;
    for (i, g) in given.iter_mut().enumerate() {
        let own = form_named
            .as_mut()
            .and_then(|n| n.get_mut(i))
            .and_then(Option::take);
        *g = own
            .filter(|s| !s.is_empty())
            .or_else(|| g.take().filter(|s| !s.is_empty()));
    }
    let [first, last, nick, email, phone, phone_lower, avatar, subject] = given;
    let mut merged = Entries::new();
    if form.is_some() {
        set(&mut merged, "firstName".into(), first.clone());
        set(&mut merged, "lastName".into(), last.clone());
        set(&mut merged, "nickname".into(), nick.clone());
    }
    for (k, v) in o.base {
        set(&mut merged, k, v);
    }
    for (k, v) in user_data {
        set(&mut merged, k, v);
    }
    match form {
        Some(entries) => {
            set(&mut merged, "_genesys_source".into(), Some("web".into()));
            set(&mut merged, "_genesys_referrer".into(), o.referrer);
            set(&mut merged, "_genesys_url".into(), o.url);
            set(&mut merged, "_genesys_pageTitle".into(), o.title);
            for (k, v) in entries {
                let own = matches!(k.as_str(), "firstname" | "lastname" | "nickname");
                if !own && !merged.iter().any(|(m, _)| *m == k) {
                    merged.push((k, v));
                }
            }
        }
        None => {
            if subject.is_some() {
                set(&mut merged, "subject".into(), subject);
            }
        }
    }
    Ok(MemberInfo {
        display_name: nick.or_else(|| first.clone()),
        first_name: first,
        last_name: last,
        email,
        phone_number: phone.or(phone_lower),
        avatar_image_url: avatar,
        custom_fields: fields(merged),
    })
}

/// Gives `k` the value `v`: a key keeps the place it was first given, as in a JS object.
fn set(merged: &mut Entries, k: String, v: Option<String>) {
    match merged.iter_mut().find(|(m, _)| *m == k) {
        Some(slot) => slot.1 = v,
        None => merged.push((k, v)),
    }
}

/// The keys that have a value, array indices first (ascending), then the rest in the order first given: the
/// order of a JS object's keys.
fn fields(merged: Entries) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut indices = 0;
    for (k, v) in merged {
        let Some(v) = v else { continue };
        match index(&k) {
            Some(n) => {
                let at = out
                    .get(..indices)
                    .unwrap_or_default()
                    .partition_point(|(m, _)| index(m).is_some_and(|m| m < n));
                out.insert(at, (k, v));
                indices += 1;
            }
            None => out.push((k, v)),
        }
    }
    out
}

/// `k` as an array index (the canonical decimal of a number below 2^32 - 1), which a JS object orders first.
fn index(k: &str) -> Option<u32> {
    if k.is_empty() || k.len() > 10 || (k.len() > 1 && k.starts_with('0')) {
        return None;
    }
    let n = k.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })?;
    u32::try_from(n).ok().filter(|&n| n != u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(pairs: &[(&str, &str)]) -> [Option<String>; 8] {
        NAMED.map(|n| pairs.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
    }

    fn entries(pairs: &[(&str, Option<&str>)]) -> Entries {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
            .collect()
    }

    fn keys(m: &MemberInfo) -> Vec<&str> {
        m.custom_fields.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn flat_options_and_user_data_as_strings() {
        let m = member_info(StartOptions {
            flat: named(&[
                ("nickname", ""),
                ("firstname", "Ann"),
                ("phonenumber", "555"),
                ("subject", "Help"),
            ]),
            user_data: Some(entries(&[
                ("age", Some("42")),
                ("vip", Some("true")),
                ("tags", Some("[\"a\"]")),
                ("none", None),
                ("f", None),
                ("note", Some("n")),
            ])),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.display_name.as_deref(), Some("Ann"));
        assert_eq!(m.first_name.as_deref(), Some("Ann"));
        assert_eq!(m.phone_number.as_deref(), Some("555"));
        assert_eq!(m.last_name, None);
        let fields: Vec<(&str, &str)> = m
            .custom_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
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
        let o = StartOptions {
            user_data: None,
            ..Default::default()
        };
        assert_eq!(member_info(o), Err(crate::core::webchat::BAD_USERDATA));
    }

    #[test]
    fn the_form_wins_and_gives_the_vendors_custom_fields() {
        let form = named(&[
            ("nickname", "Jo"),
            ("firstname", "Joanna"),
            ("lastname", "Smith"),
            ("email", "jo@x.io"),
            ("subject", "Help"),
        ]);
        let form_entries = entries(&[
            ("nickname", Some("Jo")),
            ("firstname", Some("Joanna")),
            ("lastname", Some("Smith")),
            ("email", Some("jo@x.io")),
            ("subject", Some("Help")),
        ]);
        let m = member_info(StartOptions {
            form: Some((form, form_entries)),
            flat: named(&[("nickname", "flat"), ("lastname", "Flat")]),
            user_data: Some(entries(&[("extra", Some("x"))])),
            referrer: None,
            url: Some("https://x.io/".into()),
            title: Some("T".into()),
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
    fn later_values_keep_the_first_place_and_index_keys_come_first() {
        let m = member_info(StartOptions {
            base: entries(&[("b", Some("1")), ("a", Some("base")), ("10", Some("x"))]),
            user_data: Some(entries(&[
                ("2", Some("y")),
                ("a", Some("cmd")),
                ("01", Some("z")),
            ])),
            ..Default::default()
        })
        .unwrap();
        let fields: Vec<(&str, &str)> = m
            .custom_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
            [("2", "y"), ("10", "x"), ("b", "1"), ("a", "cmd"), ("01", "z")]
        );
        assert_eq!(index("4294967294"), Some(4_294_967_294));
        assert_eq!(index("4294967295"), None);
        assert_eq!(index("-1"), None);
    }

    #[test]
    fn a_form_field_already_merged_is_not_sent_twice() {
        let m = member_info(StartOptions {
            form: Some((
                named(&[("firstname", "Ann")]),
                entries(&[
                    ("firstname", Some("Ann")),
                    ("extra", Some("form")),
                    ("firstName", Some("F")),
                ]),
            )),
            user_data: Some(entries(&[("extra", Some("ud"))])),
            ..Default::default()
        })
        .unwrap();
        let fields: Vec<(&str, &str)> = m
            .custom_fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
            [("firstName", "Ann"), ("extra", "ud"), ("_genesys_source", "web")]
        );
    }

    #[test]
    fn without_a_nickname_the_first_name_is_shown_and_phone_number_wins() {
        let m = member_info(StartOptions {
            flat: named(&[("firstname", "Ann"), ("phoneNumber", "1"), ("phonenumber", "2")]),
            user_data: Some(Vec::new()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(m.display_name.as_deref(), Some("Ann"));
        assert_eq!(m.phone_number.as_deref(), Some("1"));
        assert!(m.custom_fields.is_empty());
    }
}
