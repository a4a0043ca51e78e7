//! Plain C structs passed by pointer: unpack, TLS and reconnect settings.

use std::ffi::c_char;
use std::path::PathBuf;

use super::boundary::opt_str;
use super::status::{hv_status, set_last_error};
use crate::tcp::unpack::{
    LengthCoding, UnpackSetting, DEFAULT_PACKAGE_MAX_LENGTH, MAX_DELIMITER_BYTES,
};
use crate::tcp::ReconnectSetting;
use crate::tls::TlsOptions;

pub const HV_UNPACK_NONE: i32 = 0;
pub const HV_UNPACK_BY_FIXED_LENGTH: i32 = 1;
pub const HV_UNPACK_BY_DELIMITER: i32 = 2;
pub const HV_UNPACK_BY_LENGTH_FIELD: i32 = 3;
pub const HV_ENCODE_BY_VARINT: i32 = 17;
pub const HV_ENCODE_BY_LITTLE_ENDIAN: i32 = 1234;
pub const HV_ENCODE_BY_BIG_ENDIAN: i32 = 4321;

/// How to split a TCP stream into messages (libhv's `unpack_setting_t`, without its unions).
/// `package_max_length` 0 means 2 MiB; `delimiter_bytes` 0 means `strlen(delimiter)`;
/// `length_field_coding` 0 means big-endian.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hv_unpack_setting {
    /// One of `HV_UNPACK_*`.
    pub mode: i32,
    pub package_max_length: u32,
    pub fixed_length: u32,
    pub delimiter: [u8; 8],
    pub delimiter_bytes: u16,
    pub body_offset: u16,
    pub length_field_offset: u16,
    pub length_field_bytes: u16,
    pub length_adjustment: i16,
    /// One of `HV_ENCODE_BY_*`, or 0 for big-endian.
    pub length_field_coding: i32,
}

/// An optional setting argument: NULL (or mode 0) means raw chunks.
pub(crate) fn unpack_arg(
    setting: *const hv_unpack_setting,
) -> Result<Option<UnpackSetting>, hv_status> {
    // SAFETY: a non-NULL setting points to a valid struct for the duration of the call.
    match unsafe { setting.as_ref() } {
        None => Ok(None),
        Some(s) => s.to_rust(),
    }
}

/// An optional TLS argument: NULL means TLS off.
pub(crate) fn tls_arg(options: *const hv_tls_options) -> Result<Option<TlsOptions>, hv_status> {
    // SAFETY: a non-NULL options pointer refers to a valid struct for the duration of the call.
    unsafe { options.as_ref() }.map(|o| o.to_rust()).transpose()
}

/// The arguments of an `*_add_sni_cert` call: a host name and the certificate's options, both
/// required.
pub(crate) fn sni_cert_args<'a>(
    hostname: *const c_char,
    options: *const hv_tls_options,
) -> Result<(&'a str, TlsOptions), hv_status> {
    let host = super::boundary::required_str(hostname, "the host name")?;
    let opts = tls_arg(options)?.ok_or_else(|| {
        super::status::set_last_error("the certificate options must not be NULL");
        hv_status::HV_ERR_NULL_PARAMETER
    })?;
    Ok((host, opts))
}

/// Applies an optional TLS argument: NULL turns TLS off, else `build` makes the configuration
/// that `set` installs; a bad file is reported as `HV_ERR_TLS_CONFIG`.
pub(crate) fn configure_tls<C>(
    options: *const hv_tls_options,
    build: impl FnOnce(&TlsOptions) -> crate::Result<C>,
    set: impl FnOnce(Option<C>),
) -> hv_status {
    match tls_arg(options) {
        Ok(None) => {
            set(None);
            hv_status::HV_OK
        }
        Ok(Some(opts)) => match build(&opts) {
            Ok(config) => {
                set(Some(config));
                hv_status::HV_OK
            }
            Err(e) => super::status::fail(e),
        },
        Err(status) => status,
    }
}

impl hv_unpack_setting {
    pub(crate) fn to_rust(self) -> Result<Option<UnpackSetting>, hv_status> {
        let max = match self.package_max_length {
            0 => DEFAULT_PACKAGE_MAX_LENGTH,
            n => n as usize,
        };
        let invalid = |why: &str| {
            set_last_error(format!("unpack setting: {why}"));
            Err(hv_status::HV_ERR_INVALID_ARGUMENT)
        };
        let setting = match self.mode {
            HV_UNPACK_NONE => return Ok(None),
            HV_UNPACK_BY_FIXED_LENGTH => UnpackSetting::FixedLength {
                fixed_length: self.fixed_length as usize,
                max,
            },
            HV_UNPACK_BY_DELIMITER => {
                let n = match self.delimiter_bytes as usize {
                    0 => self
                        .delimiter
                        .iter()
                        .position(|b| *b == 0)
                        .unwrap_or(MAX_DELIMITER_BYTES),
                    n => n.min(MAX_DELIMITER_BYTES),
                };
                UnpackSetting::Delimiter {
                    delimiter: self.delimiter[..n].to_vec(),
                    max,
                }
            }
            HV_UNPACK_BY_LENGTH_FIELD => UnpackSetting::LengthField {
                body_offset: self.body_offset as usize,
                length_field_offset: self.length_field_offset as usize,
                length_field_bytes: self.length_field_bytes as usize,
                length_adjustment: i64::from(self.length_adjustment),
                coding: match self.length_field_coding {
                    0 | HV_ENCODE_BY_BIG_ENDIAN => LengthCoding::BigEndian,
                    HV_ENCODE_BY_LITTLE_ENDIAN => LengthCoding::LittleEndian,
                    HV_ENCODE_BY_VARINT => LengthCoding::Varint,
                    _ => return invalid("unknown length_field_coding"),
                },
                max,
            },
            _ => return invalid("unknown mode"),
        };
        if let Err(e) = setting.validate() {
            return invalid(&e.to_string());
        }
        Ok(Some(setting))
    }
}

/// PEM files for a TLS context (libhv's `hssl_ctx_opt_t`). Strings are copied; NULL = unset.
/// `verify_peer`: a server then requires client certificates signed by `ca_file`/`ca_path`; a
/// client verifies the server's chain and host name (system roots when no CA is given).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct hv_tls_options {
    pub crt_file: *const c_char,
    pub key_file: *const c_char,
    pub ca_file: *const c_char,
    pub ca_path: *const c_char,
    pub verify_peer: i32,
}

impl hv_tls_options {
    pub(crate) fn to_rust(self) -> Result<TlsOptions, hv_status> {
        let path = |p| opt_str(p).map(|s| s.filter(|s| !s.is_empty()).map(PathBuf::from));
        Ok(TlsOptions {
            crt_file: path(self.crt_file)?,
            key_file: path(self.key_file)?,
            ca_file: path(self.ca_file)?,
            ca_path: path(self.ca_path)?,
            verify_peer: self.verify_peer != 0,
        })
    }
}

/// Reconnect policy and live state (libhv's `reconn_setting_t`, same layout). Delays in ms;
/// `delay_policy` 0 = fixed, 1 = linear, n >= 2 = exponential by n; `max_retry_cnt` counts
/// retries after the first failure, `0xFFFFFFFF` = unlimited.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct hv_reconn_setting {
    pub min_delay: u32,
    pub max_delay: u32,
    pub cur_delay: u32,
    pub delay_policy: u32,
    pub max_retry_cnt: u32,
    pub cur_retry_cnt: u32,
}

impl From<&hv_reconn_setting> for ReconnectSetting {
    fn from(s: &hv_reconn_setting) -> Self {
        ReconnectSetting {
            min_delay: s.min_delay,
            max_delay: s.max_delay,
            cur_delay: s.cur_delay,
            delay_policy: s.delay_policy,
            max_retry_cnt: s.max_retry_cnt,
            cur_retry_cnt: s.cur_retry_cnt,
        }
    }
}

impl From<ReconnectSetting> for hv_reconn_setting {
    fn from(s: ReconnectSetting) -> Self {
        hv_reconn_setting {
            min_delay: s.min_delay,
            max_delay: s.max_delay,
            cur_delay: s.cur_delay,
            delay_policy: s.delay_policy,
            max_retry_cnt: s.max_retry_cnt,
            cur_retry_cnt: s.cur_retry_cnt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(mode: i32) -> hv_unpack_setting {
        hv_unpack_setting {
            mode,
            package_max_length: 0,
            fixed_length: 0,
            delimiter: [0; 8],
            delimiter_bytes: 0,
            body_offset: 5,
            length_field_offset: 1,
            length_field_bytes: 4,
            length_adjustment: 0,
            length_field_coding: 0,
        }
    }

    #[test]
    fn coding_zero_means_big_endian_and_zero_max_means_two_mib() {
        let got = setting(HV_UNPACK_BY_LENGTH_FIELD)
            .to_rust()
            .unwrap()
            .unwrap();
        assert!(matches!(
            got,
            UnpackSetting::LengthField {
                coding: LengthCoding::BigEndian,
                max: DEFAULT_PACKAGE_MAX_LENGTH,
                ..
            }
        ));
    }

    #[test]
    fn delimiter_length_zero_is_strlen() {
        let mut s = setting(HV_UNPACK_BY_DELIMITER);
        s.delimiter[..2].copy_from_slice(b"\r\n");
        let got = s.to_rust().unwrap().unwrap();
        assert!(
            matches!(got, UnpackSetting::Delimiter { ref delimiter, .. } if delimiter == b"\r\n")
        );
        assert_eq!(setting(HV_UNPACK_NONE).to_rust().unwrap(), None);
    }
}
