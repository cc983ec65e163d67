//! What the agent can record from: the host's input devices, the default one first, and
//! finding one again by the id or name the UI shows.

use cpal::traits::{DeviceTrait, HostTrait};

use super::error::VoiceError;
use crate::view::VoiceInput;

/// alsa-lib prints its complaints (no card, no server) to stderr; the agent reports
/// problems in its own words instead. Applies to the calling thread.
pub(crate) fn quiet_alsa() {
    #[cfg(target_os = "linux")]
    let _ = alsa::Output::local_error_handler();
}

fn describe(device: &cpal::Device) -> Option<VoiceInput> {
    let id = device.id().ok()?.to_string();
    let name = device
        .description()
        .map(|d| d.name().to_owned())
        .unwrap_or_else(|_| device.to_string());
    Some(VoiceInput {
        id,
        name,
        is_default: false,
    })
}

/// The input devices, the default first (marked `is_default`).
pub fn voice_inputs() -> Result<Vec<VoiceInput>, VoiceError> {
    quiet_alsa();
    let host = cpal::default_host();
    let mut list = Vec::new();
    if let Some(mut d) = host.default_input_device().as_ref().and_then(describe) {
        d.is_default = true;
        list.push(d);
    }
    let devices = host
        .input_devices()
        .map_err(|e| VoiceError::from_open(&e))?;
    for d in devices.filter_map(|d| describe(&d)) {
        if !list.iter().any(|known| known.id == d.id) {
            list.push(d);
        }
    }
    Ok(list)
}

/// The default input device, or the one whose id or name is `wanted`.
pub(crate) fn find(wanted: Option<&str>) -> Result<cpal::Device, VoiceError> {
    let host = cpal::default_host();
    let Some(wanted) = wanted.map(str::trim).filter(|w| !w.is_empty()) else {
        return host.default_input_device().ok_or(VoiceError::NoMicrophone);
    };
    let not_found = || VoiceError::DeviceNotFound {
        name: wanted.to_owned(),
    };
    if let Ok(id) = wanted.parse::<cpal::DeviceId>()
        && let Some(d) = host.device_by_id(&id)
    {
        return Ok(d);
    }
    let candidates = host
        .default_input_device()
        .into_iter()
        .chain(host.input_devices().map_err(|_| not_found())?);
    for d in candidates {
        if describe(&d).is_some_and(|i| i.id == wanted || i.name == wanted) {
            return Ok(d);
        }
    }
    Err(not_found())
}
