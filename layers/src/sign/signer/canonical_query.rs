//! The canonical query string: every parameter decoded, re-encoded, sorted by encoded
//! name then encoded value, and joined as `name=value` with `&`.

use std::borrow::Cow;

use super::encoding::canonical_query_component;

/// One query parameter, both halves already in canonical (encoded) form.
pub(crate) type QueryParam<'a> = (Cow<'a, str>, Cow<'a, str>);

/// Names of the parameters that query signing adds itself.
pub(crate) const SIGNING_PARAMETERS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-Security-Token",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
];

/// Appends the parameters of the raw query string `query` to `params`, canonicalized.
/// Empty `&&` pieces are skipped; a piece without `=` has an empty value.
pub(crate) fn collect_query_params<'a>(query: &'a str, params: &mut Vec<QueryParam<'a>>) {
    for piece in query.split('&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
        params.push((
            canonical_query_component(name),
            canonical_query_component(value),
        ));
    }
}

/// The first parameter whose name is one of the query-signing parameters (with `v4a`,
/// also `X-Amz-Region-Set`), compared ASCII case-insensitively.
pub(crate) fn find_signing_parameter<'p>(
    params: &'p [QueryParam<'_>],
    v4a: bool,
) -> Option<&'p str> {
    params.iter().map(|(name, _)| name.as_ref()).find(|name| {
        SIGNING_PARAMETERS
            .iter()
            .any(|reserved| reserved.eq_ignore_ascii_case(name))
            || (v4a && "X-Amz-Region-Set".eq_ignore_ascii_case(name))
    })
}

/// Sorts `params` and appends them as the canonical query string.
pub(crate) fn write_canonical_query(out: &mut String, params: &mut [QueryParam<'_>]) {
    params.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (index, (name, value)) in params.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(query: &str) -> String {
        let mut params = Vec::new();
        collect_query_params(query, &mut params);
        let mut out = String::new();
        write_canonical_query(&mut out, &mut params);
        out
    }

    #[test]
    fn sorts_by_encoded_name_then_value() {
        assert_eq!(
            canonical("Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"
        );
        assert_eq!(canonical("b=2&a=2&a=1"), "a=1&a=2&b=2");
    }

    #[test]
    fn decodes_then_encodes_with_the_unreserved_set() {
        assert_eq!(canonical("ሴ=bar"), "%E1%88%B4=bar");
        assert_eq!(canonical("k=a%2fb%2Fc"), "k=a%2Fb%2Fc");
        assert_eq!(canonical("k=a+b&j=a%20b"), "j=a%20b&k=a%2Bb");
        assert_eq!(canonical("k=100%&x=%zz"), "k=100%25&x=%25zz");
        assert_eq!(
            canonical("prefix=~objprefix&single&k=&unreserved=-_.~"),
            "k=&prefix=~objprefix&single=&unreserved=-_.~"
        );
        assert_eq!(canonical("a=1&&b"), "a=1&b=");
        assert_eq!(canonical(""), "");
    }

    #[test]
    fn spots_signing_parameters_in_any_case() {
        let mut params = Vec::new();
        collect_query_params("a=1&x-amz-signature=abc", &mut params);
        assert_eq!(
            find_signing_parameter(&params, false),
            Some("x-amz-signature")
        );
        params.clear();
        collect_query_params("a=1&X-Amz-Other=abc", &mut params);
        assert_eq!(find_signing_parameter(&params, false), None);
        params.clear();
        collect_query_params("a=1&x-amz-region-set=*", &mut params);
        assert_eq!(find_signing_parameter(&params, false), None);
        assert_eq!(
            find_signing_parameter(&params, true),
            Some("x-amz-region-set")
        );
    }
}
