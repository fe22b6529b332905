//! Checked handles: a slot index plus a generation, so that a closed,
//! stale or made-up handle is an error rather than a dangling pointer.

use std::sync::{Arc, Mutex, MutexGuard};

use authy_core::{Client, Error, ErrorKind};

const INDEX_BITS: u32 = 20;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
// 20 index bits plus a 32-bit generation keep handles below 2^53, so
// JavaScript numbers carry them exactly.

pub type Shared = Arc<Mutex<Client>>;

struct Slot {
    generation: u32,
    client: Option<Shared>,
}

#[derive(Default)]
pub struct Table {
    slots: Vec<Slot>,
    free: Vec<usize>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    slots: Vec::new(),
    free: Vec::new(),
});

fn table() -> MutexGuard<'static, Table> {
    // The table is consistent after every statement, so a poisoned lock
    // (a panic elsewhere while it was held) leaves nothing half-done.
    TABLE.lock().unwrap_or_else(|p| p.into_inner())
}

fn bad_handle(handle: u64) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        format!("handle {handle} is not open (closed, stale or never issued)"),
    )
}

pub fn insert(client: Client) -> Result<u64, Error> {
    let mut table = table();
    let index = match table.free.pop() {
        Some(index) => index,
        None => {
            if table.slots.len() as u64 > INDEX_MASK {
                return Err(Error::new(ErrorKind::Internal, "too many open handles"));
            }
            table.slots.push(Slot {
                generation: 0,
                client: None,
            });
            table.slots.len() - 1
        }
    };
    let slot = &mut table.slots[index];
    // Generation 0 is never issued, so handle 0 is never valid.
    slot.generation = slot.generation.checked_add(1).unwrap_or(1);
    slot.client = Some(Arc::new(Mutex::new(client)));
    Ok(((slot.generation as u64) << INDEX_BITS) | index as u64)
}

fn locate(table: &Table, handle: u64) -> Option<usize> {
    let index = (handle & INDEX_MASK) as usize;
    let generation = handle >> INDEX_BITS;
    let slot = table.slots.get(index)?;
    (slot.client.is_some() && slot.generation as u64 == generation).then_some(index)
}

/// The client behind a handle. The table lock is released before the
/// call runs, so calls on different handles proceed in parallel.
pub fn get(handle: u64) -> Result<Shared, Error> {
    let table = table();
    let index = locate(&table, handle).ok_or_else(|| bad_handle(handle))?;
    Ok(table.slots[index]
        .client
        .clone()
        .expect("located slots hold a client"))
}

/// Closes a handle; a second close of the same handle is an error.
pub fn remove(handle: u64) -> Result<(), Error> {
    let mut table = table();
    let index = locate(&table, handle).ok_or_else(|| bad_handle(handle))?;
    table.slots[index].client = None;
    table.free.push(index);
    Ok(())
}
