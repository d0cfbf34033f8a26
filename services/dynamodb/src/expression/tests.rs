use super::*;
use crate::types::AttributeValue;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

#[test]
fn every_comparison_writes_its_operator() {
    let cases: [(Condition, &str); 8] = [
        (name("a").equal(value(1)), "#n0 = :v0"),
        (name("a").not_equal(value(1)), "#n0 <> :v0"),
        (name("a").less_than(value(1)), "#n0 < :v0"),
        (name("a").less_than_equal(value(1)), "#n0 <= :v0"),
        (name("a").greater_than(value(1)), "#n0 > :v0"),
        (name("a").greater_than_equal(value(1)), "#n0 >= :v0"),
        (
            name("a").between(value(1), value(2)),
            "#n0 BETWEEN :v0 AND :v1",
        ),
        (name("a").equal(name("b")), "#n0 = #n1"),
    ];
    for (condition, text) in cases {
        let expr = Builder::new().with_condition(condition).build().unwrap();
        assert_eq!(expr.condition(), Some(text));
    }
}

#[test]
fn functions_take_names_and_values_through_placeholders() {
    let cases: [(Condition, &str); 6] = [
        (name("a").attribute_exists(), "attribute_exists(#n0)"),
        (
            name("a").attribute_not_exists(),
            "attribute_not_exists(#n0)",
        ),
        (
            name("a").attribute_type(AttributeType::Ss),
            "attribute_type(#n0, :v0)",
        ),
        (name("a").begins_with("x"), "begins_with(#n0, :v0)"),
        (name("a").contains("x"), "contains(#n0, :v0)"),
        (
            name("a").size().greater_than_equal(value(2)),
            "size(#n0) >= :v0",
        ),
    ];
    for (condition, text) in cases {
        let expr = Builder::new().with_condition(condition).build().unwrap();
        assert_eq!(expr.condition(), Some(text));
    }
    let expr = Builder::new()
        .with_condition(name("a").attribute_type(AttributeType::Bool))
        .build()
        .unwrap();
    assert_eq!(expr.values()[":v0"], s("BOOL"));
}

#[test]
fn reserved_words_and_hostile_text_only_ever_reach_the_maps() {
    let hostile = "x) OR (#n0 = :v0";
    let expr = Builder::new()
        .with_filter(
            name("status")
                .equal(value(hostile))
                .or(name(hostile).attribute_exists()),
        )
        .build()
        .unwrap();
    assert_eq!(
        expr.filter(),
        Some("(#n0 = :v0) OR (attribute_exists(#n1))")
    );
    assert_eq!(expr.names()["#n0"], "status");
    assert_eq!(expr.names()["#n1"], hostile);
    assert_eq!(expr.values()[":v0"], s(hostile));
}

#[test]
fn a_name_used_twice_has_one_placeholder_and_values_one_each() {
    let expr = Builder::new()
        .with_condition(
            name("n")
                .greater_than(value(1))
                .and(name("n").less_than(value(1))),
        )
        .with_projection(["n", "m.n"])
        .build()
        .unwrap();
    assert_eq!(expr.condition(), Some("(#n0 > :v0) AND (#n0 < :v1)"));
    assert_eq!(expr.projection(), Some("#n0, #n1.#n0"));
    assert_eq!(expr.names().len(), 2);
    assert_eq!(expr.values().len(), 2);
}

#[test]
fn and_or_not_keep_the_tree_in_parentheses() {
    let a = || name("a").equal(value(1));
    let b = || name("b").equal(value(2));
    let c = || name("c").equal(value(3));
    let expr = Builder::new()
        .with_condition(a().or(b()).and(!c()))
        .build()
        .unwrap();
    assert_eq!(
        expr.condition(),
        Some("((#n0 = :v0) OR (#n1 = :v1)) AND (NOT (#n2 = :v2))")
    );
    let expr = Builder::new()
        .with_condition(a().or(b()).or(c()))
        .build()
        .unwrap();
    assert_eq!(
        expr.condition(),
        Some("(#n0 = :v0) OR (#n1 = :v1) OR (#n2 = :v2)")
    );
}

#[test]
fn in_takes_one_to_a_hundred_operands() {
    let expr = Builder::new()
        .with_filter(name("a").is_in([value(1), value(2), name("b").into()]))
        .build()
        .unwrap();
    assert_eq!(expr.filter(), Some("#n0 IN (:v0, :v1, #n1)"));
    let none: [Operand; 0] = [];
    let err = Builder::new()
        .with_filter(name("a").is_in(none))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidIn);
    assert_eq!(
        err.to_string(),
        "IN takes 1 to 100 operands, found 0 in the filter"
    );
    let err = Builder::new()
        .with_filter(name("a").is_in((0..101).map(value)))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidIn);
}

#[test]
fn key_conditions_are_an_equality_and_at_most_one_sort_key_test() {
    let cases: [(KeyCondition, &str); 6] = [
        (key("pk").equal("a"), "#n0 = :v0"),
        (
            key("pk").equal("a").and(key("sk").less_than(1)),
            "#n0 = :v0 AND #n1 < :v1",
        ),
        (
            key("pk").equal("a").and(key("sk").less_than_equal(1)),
            "#n0 = :v0 AND #n1 <= :v1",
        ),
        (
            key("pk").equal("a").and(key("sk").greater_than(1)),
            "#n0 = :v0 AND #n1 > :v1",
        ),
        (
            key("pk").equal("a").and(key("sk").greater_than_equal(1)),
            "#n0 = :v0 AND #n1 >= :v1",
        ),
        (
            key("pk").equal("a").and(key("sk").between(1, 9)),
            "#n0 = :v0 AND #n1 BETWEEN :v1 AND :v2",
        ),
    ];
    for (condition, text) in cases {
        let expr = Builder::new()
            .with_key_condition(condition)
            .build()
            .unwrap();
        assert_eq!(expr.key_condition(), Some(text));
    }
    // A key is one attribute: dots are part of its name.
    let expr = Builder::new()
        .with_key_condition(key("a.b").equal(1))
        .build()
        .unwrap();
    assert_eq!(expr.names()["#n0"], "a.b");

    for bad in [
        key("sk").begins_with("x"),
        key("pk").equal("a").and(key("pk").equal("b")),
        key("pk")
            .equal("a")
            .and(key("sk").equal(1))
            .and(key("x").equal(2)),
        key("").equal(1),
    ] {
        let err = Builder::new().with_key_condition(bad).build().unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::InvalidKeyCondition | ErrorKind::InvalidName
            ),
            "{err}"
        );
    }
}

#[test]
fn update_clauses_come_in_order_with_their_actions() {
    let expr = Builder::new()
        .with_update(
            Update::new()
                .delete("d", AttributeValue::Ss(vec!["x".into()]))
                .add("c", 1)
                .remove("b")
                .remove("b2[0]")
                .set("a", value("v"))
                .set("a2", name("a2").minus(value(1))),
        )
        .build()
        .unwrap();
    assert_eq!(
        expr.update(),
        Some("SET #n0 = :v0, #n1 = #n1 - :v1 REMOVE #n2, #n3[0] ADD #n4 :v2 DELETE #n5 :v3")
    );
    let only_remove = Builder::new()
        .with_update(Update::new().remove("x"))
        .build()
        .unwrap();
    assert_eq!(only_remove.update(), Some("REMOVE #n0"));
    assert!(only_remove.attribute_values().is_none());
    assert_eq!(only_remove.attribute_names().unwrap().len(), 1);
}

#[test]
fn operands_out_of_place_are_errors() {
    let err = Builder::new()
        .with_update(Update::new().set("a", name("b").size()))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOperand);
    assert_eq!(
        err.to_string(),
        "size() belongs in conditions, not in the update"
    );

    let err = Builder::new()
        .with_condition(name("a").equal(name("b").plus(value(1))))
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "+ and - belong in an update's SET, not in the condition"
    );

    let err = Builder::new()
        .with_filter(name("a").equal(list_append(name("a"), name("b"))))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOperand);

    let err = Builder::new()
        .with_update(Update::new().set("a", name("a").plus(value(1)).plus(value(2))))
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOperand);

    // if_not_exists may stand inside + and list_append.
    let expr = Builder::new()
        .with_update(Update::new().set("a", name("a").if_not_exists(value(0)).plus(value(1))))
        .build()
        .unwrap();
    assert_eq!(
        expr.update(),
        Some("SET #n0 = if_not_exists(#n0, :v0) + :v1")
    );
}

#[test]
fn empty_parts_are_errors_with_clear_messages() {
    let err = Builder::new()
        .with_update(Update::new())
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "the update has no action");
    let err = Builder::new()
        .with_projection(Vec::<Name>::new())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EmptyProjection);
    let err = Builder::new().with_projection([""]).build().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidName);
    assert_eq!(
        err.to_string(),
        "invalid attribute name ``: a name cannot be empty in the projection"
    );
    let err = Builder::new()
        .with_update(Update::new().set("a[x]", value(1)))
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid attribute name `a[x]`: a list index must be digits in the update"
    );
}

#[test]
fn applying_an_expression_sets_the_parts_and_extends_the_maps() {
    let config = ziggurat_core::config::SdkConfig::builder().build();
    let client = crate::Client::new(&config);
    let expr = Builder::new()
        .with_update(Update::new().set("status", value("done")))
        .with_condition(name("pk").attribute_exists())
        .build()
        .unwrap();
    let call = client
        .update_item()
        .expression_attribute_names("#mine", "mine")
        .expression(&expr);
    let input = call.as_input();
    assert_eq!(input.update_expression.as_deref(), Some("SET #n1 = :v0"));
    assert_eq!(
        input.condition_expression.as_deref(),
        Some("attribute_exists(#n0)")
    );
    let names = input.expression_attribute_names.clone().unwrap_or_default();
    assert_eq!(names.len(), 3);
    assert_eq!(names["#mine"], "mine");
    assert_eq!(
        input
            .expression_attribute_values
            .clone()
            .unwrap_or_default()[":v0"],
        s("done")
    );

    let projection = Builder::new().with_projection(["a"]).build().unwrap();
    let get = client.get_item().expression(&projection);
    assert_eq!(get.as_input().projection_expression.as_deref(), Some("#n0"));
    let scan = client.scan().expression(&projection);
    assert!(scan.as_input().expression_attribute_values.is_none());
    assert!(scan.as_input().filter_expression.is_none());
}
