//! Identifiers of the pass's world, each its own type: a session id cannot be passed where a pass
//! id is expected. On the wire they are plain numbers.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl $name {
            /// The database value.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A row of `passes`.
    PassId
);
id!(
    /// A row of `carnets`.
    CarnetId
);
id!(
    /// A row of `seances`: the session a validation consumes its pass for.
    SeanceId
);

impl SeanceId {
    /// The ledger's key of a session: one validation per key (`pass_validations.seance_cle`).
    pub fn cle(self) -> String {
        format!("seance:{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_on_the_wire() {
        assert_eq!(serde_json::to_string(&PassId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<SeanceId>("12").unwrap(), SeanceId(12));
        assert_eq!(SeanceId(12).cle(), "seance:12");
        assert_eq!(CarnetId(3).to_string(), "3");
    }
}
