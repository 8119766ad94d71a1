//! Scopes: the variables of one function activation, or of the session at the root.

use super::*;

/// A JavaScript function value: its literal and the scope it closes over.
#[derive(Debug)]
pub(crate) struct Closure {
    pub(super) def: Arc<FuncDef>,
    pub(super) scope: Rc<Scope>,
}

/// Variables of one function activation (or the session, at the root).
///
/// Evaluation is single-threaded and a scope is shared by the closures that capture it, so
/// its variables sit in a `RefCell`: a borrow lasts one lookup or one store, never across
/// evaluation.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    vars: RefCell<Vars>,
    /// A summary of the names bound here: bit `id % 64` of each. A lookup passes a scope
    /// whose summary lacks its bit without searching it, so `r` (rarely bound) and names of
    /// outer scopes are found with no search on the way.
    bound: Cell<u64>,
    pub(super) parent: Option<Rc<Scope>>,
}

/// The bit of `name` in [`Scope::bound`].
fn name_bit(name: Name) -> u64 {
    1 << (name.index() % 64)
}

/// Names bound in one scope. A function activation binds one or two, found fastest by a
/// scan; the session may bind many, found through a light hash.
#[derive(Debug)]
enum Vars {
    Few(Vec<(Name, V)>),
    Many(HashMap<Name, V, BuildHasherDefault<NameHasher>>),
}

/// Bindings a scope holds before it switches to a hash table.
const FEW_VARS: usize = 8;

impl Default for Vars {
    fn default() -> Self {
        Vars::Few(Vec::new())
    }
}

impl Vars {
    fn get(&self, name: Name) -> Option<&V> {
        match self {
            Vars::Few(list) => list.iter().find(|(k, _)| *k == name).map(|(_, v)| v),
            Vars::Many(map) => map.get(&name),
        }
    }

    fn get_mut(&mut self, name: Name) -> Option<&mut V> {
        match self {
            Vars::Few(list) => list.iter_mut().find(|(k, _)| *k == name).map(|(_, v)| v),
            Vars::Many(map) => map.get_mut(&name),
        }
    }

    fn insert(&mut self, name: Name, v: V) {
        if let Some(slot) = self.get_mut(name) {
            *slot = v;
            return;
        }
        match self {
            Vars::Few(list) if list.len() < FEW_VARS => list.push((name, v)),
            Vars::Few(list) => {
                let mut map: HashMap<Name, V, BuildHasherDefault<NameHasher>> =
                    std::mem::take(list).into_iter().collect();
                map.insert(name, v);
                *self = Vars::Many(map);
            }
            Vars::Many(map) => {
                map.insert(name, v);
            }
        }
    }

    fn names(&self, names: &Names) -> Vec<String> {
        let mut v: Vec<String> = match self {
            Vars::Few(list) => list
                .iter()
                .map(|(k, _)| names.get(*k).to_string())
                .collect(),
            Vars::Many(map) => map.keys().map(|k| names.get(*k).to_string()).collect(),
        };
        // Destructuring's hidden variables are no names of the user's.
        v.retain(|n| !is_hidden(n));
        v.sort();
        v
    }
}

impl Scope {
    /// An empty activation under `parent`.
    pub(super) fn under(parent: Rc<Scope>) -> Scope {
        Scope {
            vars: RefCell::default(),
            bound: Cell::new(0),
            parent: Some(parent),
        }
    }

    /// Empties an ended activation for reuse.
    pub(super) fn reset(&mut self) {
        self.parent = None;
        *self.bound.get_mut() = 0;
        match self.vars.get_mut() {
            Vars::Few(list) => list.clear(),
            many => *many = Vars::default(),
        }
    }

    /// Whether this is the session's scope, which outlives the statement.
    pub(super) fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    /// Whether `name` may be bound here (false: surely not).
    pub(super) fn may_bind(&self, name: Name) -> bool {
        self.bound.get() & name_bit(name) != 0
    }

    pub(super) fn get(&self, name: Name) -> Option<V> {
        let mut s = self;
        loop {
            if s.may_bind(name)
                && let Some(v) = s.vars.borrow().get(name)
            {
                return Some(v.clone());
            }
            s = s.parent.as_deref()?;
        }
    }

    pub(super) fn declare(&self, name: Name, v: V) {
        self.vars.borrow_mut().insert(name, v);
        self.bound.set(self.bound.get() | name_bit(name));
    }

    /// Assigns to the nearest scope that has the name; sloppy JavaScript creates a global.
    pub(super) fn set(&self, name: Name, v: V) {
        let mut s = self;
        loop {
            if s.may_bind(name)
                && let Some(slot) = s.vars.borrow_mut().get_mut(name)
            {
                *slot = v;
                return;
            }
            match &s.parent {
                Some(p) => s = p,
                None => {
                    s.declare(name, v);
                    return;
                }
            }
        }
    }

    /// The names bound in this scope, as text.
    pub(crate) fn names(&self, names: &Names) -> Vec<String> {
        self.vars.borrow().names(names)
    }
}
