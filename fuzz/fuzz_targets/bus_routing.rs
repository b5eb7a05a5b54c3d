#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cxbridge_fuzz::bus_routing(data));
