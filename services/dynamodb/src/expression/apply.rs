//! `.expression(&expr)` on the fluent builders of the operations that take expressions.
use std::collections::HashMap;

use super::Expression;

/// Adds `from` to an input's placeholder map, leaving it `None` when there is nothing to add
/// (DynamoDB rejects an empty map).
fn extend<V: Clone>(into: &mut Option<HashMap<String, V>>, from: &HashMap<String, V>) {
    if !from.is_empty() {
        into.get_or_insert_with(HashMap::new)
            .extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

macro_rules! apply {
    ($builder:ident, $op:literal, [$($part:ident => $field:ident),*], values: $values:tt) => {
        impl crate::$builder {
            #[doc = concat!(
                "Sets this `", $op, "`'s expressions from `expression` (",
                $("its `", stringify!($part), "`, ",)*
                "when built) and adds its name and value placeholders to the request's; see [`expression`](crate::expression)."
            )]
            pub fn expression(mut self, expression: &Expression) -> Self {
                let input = self.as_input_mut();
                $(
                    if let Some(text) = expression.$part() {
                        input.$field = Some(text.to_owned());
                    }
                )*
                extend(&mut input.expression_attribute_names, expression.names());
                apply!(@values $values, input, expression);
                self
            }
        }
    };
    (@values true, $input:ident, $expression:ident) => {
        extend(&mut $input.expression_attribute_values, $expression.values());
    };
    (@values false, $input:ident, $expression:ident) => {};
}

apply!(ScanFluentBuilder, "Scan", [filter => filter_expression, projection => projection_expression], values: true);
apply!(
    QueryFluentBuilder,
    "Query",
    [
        key_condition => key_condition_expression,
        filter => filter_expression,
        projection => projection_expression
    ],
    values: true
);
apply!(GetItemFluentBuilder, "GetItem", [projection => projection_expression], values: false);
apply!(PutItemFluentBuilder, "PutItem", [condition => condition_expression], values: true);
apply!(DeleteItemFluentBuilder, "DeleteItem", [condition => condition_expression], values: true);
apply!(
    UpdateItemFluentBuilder,
    "UpdateItem",
    [update => update_expression, condition => condition_expression],
    values: true
);
