//! The KeyValueStore layout, owned by the `kvs-layout` crate (re-exported here for the
//! compiler's modules), and the one thing the compiler adds: the op of an IR action.

pub use kvs_layout::*;

/// The op of an action, as in a route line: a redirect letter, `w`, or `x` and the status.
pub fn op(action: &rules_dsl::ir::Action) -> String {
    use rules_dsl::ir::Action;
    match action {
        Action::Redirect { status, keep_query, .. } => redirect_op(*status, *keep_query).to_string(),
        Action::Rewrite { .. } => REWRITE_OP.to_string(),
        Action::Respond { status, .. } => format!("{RESPOND_OP}{status:03}"),
    }
}
