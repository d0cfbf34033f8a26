//! Paginators (`paginators-1.json`): per paginated operation, its schema as data and one small
//! `Paginate` impl that moves the output's tokens into the next input. The stream itself is the
//! runtime's.
use std::fmt::Write as _;

use super::{Ctx, Home, field_names};
use crate::model::{MemberRef, Paginator};
use crate::names::lit;

/// A structure member as the generated struct has it.
struct Field<'a> {
    name: String,
    plain: bool,
    member: &'a MemberRef,
}

/// One output token as Rust: an expression of type `Option<T>` over `output`.
struct TokenExpr {
    code: String,
}

impl Ctx<'_> {
    fn field_of<'a>(&'a self, shape_name: &str, member: &str) -> Result<Field<'a>, String> {
        let shape = self.shape(shape_name)?;
        shape
            .members
            .0
            .iter()
            .zip(field_names(shape))
            .find(|((m, _), _)| m == member)
            .map(|((m, r), f)| Field {
                name: f,
                plain: self.is_plain(shape, m, r),
                member: r,
            })
            .ok_or_else(|| format!("paginator: `{shape_name}` has no member `{member}`"))
    }

    /// One `||`-free term of an output token: `A`, `A.B`, `A[-1].B`.
    fn token_term(&self, output: &str, term: &str) -> Result<TokenExpr, String> {
        let mut shape_name = output.to_owned();
        let mut code = String::new();
        for (i, segment) in term.split('.').enumerate() {
            let (name, last) = match segment.strip_suffix("[-1]") {
                Some(name) => (name, true),
                None => (segment, false),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("paginator: unsupported output token `{term}`"));
            }
            let f = self.field_of(&shape_name, name)?;
            let access = match (i, f.plain) {
                (0, true) => format!("Some(&output.{})", f.name),
                (0, false) => format!("output.{}.as_ref()", f.name),
                (_, true) => format!(".map(|x| &x.{})", f.name),
                (_, false) => format!(".and_then(|x| x.{}.as_ref())", f.name),
            };
            code.push_str(&access);
            shape_name = f.member.shape.clone();
            if last {
                code.push_str(".and_then(|l| l.last())");
                let list = self.shape(&shape_name)?;
                shape_name = list
                    .member
                    .as_ref()
                    .map(|m| m.shape.clone())
                    .ok_or_else(|| format!("paginator: `{term}` indexes a non-list"))?;
            }
        }
        let copy = matches!(
            self.shape(&shape_name)?.kind.as_str(),
            "boolean" | "byte" | "short" | "integer" | "long" | "float" | "double"
        );
        // A single member reads best as a plain copy or clone.
        let code = match code
            .strip_prefix("output.")
            .and_then(|c| c.strip_suffix(".as_ref()"))
        {
            Some(field) if !field.contains(['.', '(']) && copy => format!("output.{field}"),
            Some(field) if !field.contains(['.', '(']) => format!("output.{field}.clone()"),
            _ if copy => format!("{code}.copied()"),
            _ => format!("{code}.cloned()"),
        };
        Ok(TokenExpr { code })
    }

    /// An output token: terms joined by `||` (the first that is set).
    fn token_expr(&self, output: &str, expr: &str) -> Result<TokenExpr, String> {
        let terms: Vec<&str> = expr.split("||").map(str::trim).collect();
        let mut exprs = terms
            .iter()
            .map(|t| self.token_term(output, t))
            .collect::<Result<Vec<_>, _>>()?;
        let mut code = exprs
            .pop()
            .map(|e| e.code)
            .ok_or_else(|| format!("paginator: empty output token `{expr}`"))?;
        while let Some(e) = exprs.pop() {
            code = format!(
                "{{\nlet first = {};\nif paginator::is_unset(&first) {{ {code} }} else {{ first }}\n}}",
                e.code
            );
        }
        Ok(TokenExpr { code })
    }

    /// The paginator of operation `name`, when it has one: its schema, `Paginate` (and
    /// `PaginateItems`) impls and the builder's `into_paginator`.
    pub(super) fn paginator(
        &self,
        o: &mut String,
        name: &str,
        p: &Paginator,
        input_ty: &str,
        output_ty: &str,
        here: &Home,
    ) -> Result<(), String> {
        let op = &self.model.operations[name];
        let (Some(input), Some(output)) = (&op.input, &op.output) else {
            return Err(format!("paginator: `{name}` has no input or output"));
        };
        let (input, output) = (input.shape.as_str(), output.shape.as_str());
        let input_tokens = p.input_token.to_vec();
        let output_tokens = p.output_token.to_vec();
        if input_tokens.len() != output_tokens.len() {
            return Err(format!("paginator `{name}`: token counts differ"));
        }
        let result_keys = p
            .result_key
            .as_ref()
            .map(|r| r.to_vec())
            .unwrap_or_default();
        let strs = |v: &[String]| v.iter().map(|s| lit(s)).collect::<Vec<_>>().join(", ");
        let opt = |v: &Option<String>| {
            v.as_ref()
                .map(|s| format!("Some({})", lit(s)))
                .unwrap_or_else(|| "None".to_owned())
        };
        let _ = write!(
            o,
            "\n/// The paginator of [`{name}`], as the model gives it.\n\
             static PAGINATOR: paginator::PaginatorSchema = paginator::PaginatorSchema {{\n\
             input_tokens: &[{it}],\noutput_tokens: &[{ot}],\nlimit_key: {lk},\nmore_results: {mr},\n\
             result_keys: &[{rk}],\nnon_aggregate_keys: &[{na}],\n}};\n\n",
            it = strs(&input_tokens),
            ot = strs(&output_tokens),
            lk = opt(&p.limit_key),
            mr = opt(&p.more_results),
            rk = strs(&result_keys),
            na = strs(&p.non_aggregate_keys),
        );
        // next_page
        let _ = write!(
            o,
            "impl paginator::Paginate for {name} {{\n\
             const PAGINATOR: &'static paginator::PaginatorSchema = &PAGINATOR;\n\n\
             fn next_page(input: &{input_ty}, output: &{output_ty}) -> paginator::NextPage<{input_ty}> {{\n"
        );
        if let Some(more) = &p.more_results {
            let f = self.field_of(output, more)?;
            let _ = if f.plain {
                writeln!(
                    o,
                    "if !output.{} {{\nreturn paginator::NextPage::Done;\n}}",
                    f.name
                )
            } else {
                writeln!(
                    o,
                    "if output.{} != Some(true) {{\nreturn paginator::NextPage::Done;\n}}",
                    f.name
                )
            };
        }
        let mut targets = Vec::new();
        for (i, (it, ot)) in input_tokens.iter().zip(&output_tokens).enumerate() {
            let expr = self.token_expr(output, ot)?;
            let _ = writeln!(o, "let t{i} = {};", expr.code);
            let f = self.field_of(input, it)?;
            if f.plain {
                return Err(format!(
                    "paginator `{name}`: input token `{it}` is required"
                ));
            }
            targets.push(f.name);
        }
        let unset: Vec<String> = (0..targets.len())
            .map(|i| format!("paginator::is_unset(&t{i})"))
            .collect();
        let same: Vec<String> = targets
            .iter()
            .enumerate()
            .map(|(i, f)| format!("t{i} == input.{f}"))
            .collect();
        let _ = writeln!(
            o,
            "if {} {{\nreturn paginator::NextPage::Done;\n}}\nif {} {{\nreturn paginator::NextPage::Repeated;\n}}\nlet mut next = input.clone();",
            unset.join(" && "),
            same.join(" && ")
        );
        for (i, f) in targets.iter().enumerate() {
            let _ = writeln!(o, "next.{f} = t{i};");
        }
        o.push_str("paginator::NextPage::Page(next)\n}\n\n");
        // set_page_size
        match &p.limit_key {
            Some(limit) => {
                let f = self.field_of(input, limit)?;
                let kind = self.shape(&f.member.shape)?.kind.as_str();
                let value = match kind {
                    "integer" => "size".to_owned(),
                    "long" => "i64::from(size)".to_owned(),
                    other => return Err(format!("paginator `{name}`: limit key of type {other}")),
                };
                let value = if f.plain {
                    value
                } else {
                    format!("Some({value})")
                };
                let _ = writeln!(
                    o,
                    "fn set_page_size(input: &mut {input_ty}, size: i32) {{\ninput.{} = {value};\n}}",
                    f.name
                );
            }
            None => {
                let _ = writeln!(o, "fn set_page_size(_: &mut {input_ty}, _: i32) {{}}");
            }
        }
        o.push_str("}\n\n");
        // Items: the first result key, when it is a list.
        if let Some(first) = result_keys.first() {
            let f = self.field_of(output, first)?;
            let target = self.shape(&f.member.shape)?;
            if target.kind == "list"
                && let Some(element) = &target.member
            {
                let item = self.rust_type(&element.shape, here)?;
                let take = if f.plain {
                    format!("output.{}", f.name)
                } else {
                    format!("output.{}.unwrap_or_default()", f.name)
                };
                let _ = write!(
                    o,
                    "impl paginator::PaginateItems for {name} {{\ntype Item = {item};\n\n\
                     fn items(output: {output_ty}) -> Vec<{item}> {{\n{take}\n}}\n}}\n\n"
                );
            }
        }
        let items_doc = match result_keys.first() {
            Some(first) => format!(
                " [`items`](paginator::PaginationStream::items) yields the pages' `{first}`."
            ),
            None => String::new(),
        };
        let _ = write!(
            o,
            "impl {name}FluentBuilder {{\n\
             /// Every page of this call, requested one by one as the stream is read (see\n\
             /// [the paginator module](ziggurat_runtime::paginator)).{items_doc}\n\
             pub fn into_paginator(self) -> paginator::Paginator<{name}> {{\n\
             paginator::Paginator::new(self.into_call())\n}}\n}}\n"
        );
        Ok(())
    }
}
