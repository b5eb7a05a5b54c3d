//! The shell's one time model. Each core area says when it next needs to be told the time (its
//! `next_deadline`) and is told it (`expire(now)` or its like) when that comes; the core never arms anything.
//! The shell keeps one [`Alarm`] per area, set to that deadline after every input the area takes.

use std::cell::{Cell, RefCell};

use js_sys::Function;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/js/clock.js")]
extern "C" {
    #[wasm_bindgen(js_name = armTimer)]
    fn arm_timer(cb: &Function, ms: u32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimer)]
    fn clear_timer(handle: &JsValue);
}

/// The wall clock the deadlines are measured on, in ms (`Date.now()`).
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// One `setTimeout`, kept armed for a deadline: re-armed only when the deadline changes, cleared when there is
/// none and when the alarm is dropped. Its state is its own (not inside an area's `RefCell`), so arming it never
/// holds an area's borrow while the browser is called.
pub struct Alarm {
    /// `FnMut(JsValue)` (the timer passes nothing): the one closure type of the other shells' callbacks too.
    on_fire: Closure<dyn FnMut(JsValue)>,
    handle: RefCell<Option<JsValue>>,
    deadline: Cell<Option<f64>>,
}

impl Alarm {
    /// `on_fire` runs when the deadline has come; it tells the area the time and sets the alarm again. A plain
    /// `fn`, so every area's alarm shares one closure type (each type is its own code in the wasm).
    pub fn new(on_fire: fn()) -> Self {
        Alarm {
            on_fire: Closure::new(move |_: JsValue| on_fire()),
            handle: RefCell::new(None),
            deadline: Cell::new(None),
        }
    }

    /// Arms the alarm for `deadline` (ms on [`now`]'s clock), or clears it for `None`. A deadline later than the
    /// one armed keeps the armed timer: it fires early, the area finds nothing due and the alarm is set again. A
    /// deadline that keeps moving later (a watchdog pushed back by every message) then costs no timer calls.
    pub fn set(&self, deadline: Option<f64>) {
        let armed = self.handle.borrow().is_some();
        let keep = match (deadline, self.deadline.get()) {
            (None, None) => true,
            (Some(want), Some(at)) => armed && at <= want,
            _ => false,
        };
        if keep {
            return;
        }
        self.clear();
        let Some(at) = deadline else {
            return;
        };
        let delay = (at - now()).ceil().clamp(0.0, f64::from(i32::MAX)) as u32;
        let handle = arm_timer(self.on_fire.as_ref().unchecked_ref(), delay);
        self.deadline.set(Some(at));
        *self.handle.borrow_mut() = Some(handle);
    }

    /// Called first thing in `on_fire`: the timer that fired needs no clearing, and the next `set` arms anew
    /// (a timer that fired a little early re-arms for the same deadline).
    pub fn fired(&self) {
        self.handle.borrow_mut().take();
        self.deadline.set(None);
    }

    fn clear(&self) {
        self.deadline.set(None);
        let old = self.handle.borrow_mut().take();
        if let Some(h) = old {
            clear_timer(&h);
        }
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        self.clear();
    }
}
