//! The explainable decision tree without a database: the exact CART learner
//! (`cart`, as scikit-learn's), the node list with its routing, leaves and Danish
//! rules (`tree`), and the feature policy that says which inputs it may use and
//! how they read (`policy`). The root crate reads the model matrix from the store,
//! calls `cart::fit` and stores the nodes; everything here is tested on data made
//! in memory and on scikit-learn's fixture (tests/reference/cart_reference.json).

pub mod cart;
pub mod policy;
pub mod tree;

/// What can go wrong with the tree itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("featurepolitik: {0}")]
    Policy(String),
    #[error("træning fejlede: {0}")]
    Fit(String),
}
