#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cxbridge_fuzz::analytics_delivery(data));
