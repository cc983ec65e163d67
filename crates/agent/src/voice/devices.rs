//! What the agent can record from: the sound server's sources (Linux, when one runs) or the
//! audio host's input devices, those a person would choose, the default one first; and
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

/// What a recording is made from.
pub(crate) enum Microphone {
    Cpal(cpal::Device),
    /// A source of the running sound server, recorded from directly (see [`super::pulse`]).
    #[cfg(target_os = "linux")]
    Server(super::pulse::Source),
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

/// Whether a person would pick this input, from its host id: ALSA lists its plug-ins
/// ("null", rate converters, upmixers), sound-server routes and several names for each card,
/// of which only the converting one per card device (`plughw`) is a microphone to choose;
/// PulseAudio lists each output's monitor, which records what is playing, not a voice.
/// Other hosts list devices only.
pub(crate) fn is_choosable(id: &str) -> bool {
    match id.split_once(':') {
        Some(("alsa", pcm)) => pcm.starts_with("plughw:"),
        Some(("pulseaudio", source)) => !source.ends_with(".monitor"),
        _ => true,
    }
}

/// The list the agent shows: the default first (whatever it is: the system chose it), then
/// the choosable inputs, each once (ALSA names each card twice: by name and by number).
pub(crate) fn for_people(
    default: Option<VoiceInput>,
    all: impl IntoIterator<Item = VoiceInput>,
) -> Vec<VoiceInput> {
    let mut list: Vec<VoiceInput> = default
        .map(|d| VoiceInput {
            is_default: true,
            ..d
        })
        .into_iter()
        .collect();
    for input in all {
        let alsa = |i: &VoiceInput| i.id.starts_with("alsa:");
        let seen = list.iter().any(|known| {
            known.id == input.id || (alsa(known) && alsa(&input) && known.name == input.name)
        });
        if is_choosable(&input.id) && !seen {
            list.push(VoiceInput {
                is_default: false,
                ..input
            });
        }
    }
    list
}

/// The input devices a person would choose, the default first (marked `is_default`): the
/// sound server's sources when one runs, else the host's devices.
pub fn voice_inputs() -> Result<Vec<VoiceInput>, VoiceError> {
    #[cfg(target_os = "linux")]
    if let Some(server) = super::pulse::server() {
        let (default, all) = server.inputs()?;
        return Ok(for_people(default, all));
    }
    quiet_alsa();
    let host = cpal::default_host();
    let default = host.default_input_device().as_ref().and_then(describe);
    let devices = host
        .input_devices()
        .map_err(|e| VoiceError::from_open(&e))?;
    Ok(for_people(default, devices.filter_map(|d| describe(&d))))
}

/// The default input device, or the one whose id or name is `wanted` (any input there is,
/// listed or not).
pub(crate) fn find(wanted: Option<&str>) -> Result<Microphone, VoiceError> {
    let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
    #[cfg(target_os = "linux")]
    if let Some(server) = super::pulse::server() {
        return server.find(wanted).map(Microphone::Server);
    }
    find_device(wanted).map(Microphone::Cpal)
}

fn find_device(wanted: Option<&str>) -> Result<cpal::Device, VoiceError> {
    let host = cpal::default_host();
    let Some(wanted) = wanted else {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn input(id: &str, name: &str) -> VoiceInput {
        VoiceInput {
            id: id.into(),
            name: name.into(),
            is_default: false,
        }
    }

    fn ids(list: &[VoiceInput]) -> Vec<&str> {
        list.iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn alsa_shows_the_default_and_one_entry_per_card_device() {
        let all = [
            input(
                "alsa:null",
                "Discard all samples (playback) or generate zero samples (capture)",
            ),
            input(
                "alsa:default",
                "Playback/recording through the PulseAudio sound server",
            ),
            input(
                "alsa:samplerate",
                "Rate Converter Plugin Using Samplerate Library",
            ),
            input("alsa:pulse", "PulseAudio Sound Server"),
            input("alsa:upmix", "Plugin for channel upmix (4,6,8)"),
            input("alsa:sysdefault:CARD=PCH", "HDA Intel PCH, ALC892 Analog"),
            input("alsa:front:CARD=PCH,DEV=0", "HDA Intel PCH, ALC892 Analog"),
            input("alsa:dsnoop:CARD=PCH,DEV=0", "HDA Intel PCH, ALC892 Analog"),
            input("alsa:hw:CARD=PCH,DEV=0", "HDA Intel PCH, ALC892 Analog"),
            input("alsa:plughw:CARD=PCH,DEV=0", "HDA Intel PCH, ALC892 Analog"),
            input("alsa:plughw:CARD=Webcam,DEV=0", "C920 Webcam, USB Audio"),
            // The same card again under its number (cpal probes the hardware too).
            input("alsa:plughw:CARD=0,DEV=0", "HDA Intel PCH, ALC892 Analog"),
        ];
        let list = for_people(Some(input("alsa:default", "Default Audio Device")), all);
        assert_eq!(
            ids(&list),
            [
                "alsa:default",
                "alsa:plughw:CARD=PCH,DEV=0",
                "alsa:plughw:CARD=Webcam,DEV=0"
            ]
        );
        assert_eq!(
            list[0].name, "Default Audio Device",
            "the default keeps its name"
        );
        assert!(list[0].is_default && list[1..].iter().all(|i| !i.is_default));
    }

    #[test]
    fn pulseaudio_leaves_out_monitors_unless_one_is_the_default() {
        let all = [
            input(
                "pulseaudio:alsa_output.pci.analog-stereo.monitor",
                "Monitor of Built-in Audio",
            ),
            input(
                "pulseaudio:alsa_input.pci.analog-stereo",
                "Built-in Audio Analog Stereo",
            ),
            input("pulseaudio:alsa_input.usb-Jabra.mono", "Jabra Evolve 20"),
        ];
        let default = input("pulseaudio:alsa_input.usb-Jabra.mono", "Jabra Evolve 20");
        let list = for_people(Some(default), all.clone());
        assert_eq!(
            ids(&list),
            [
                "pulseaudio:alsa_input.usb-Jabra.mono",
                "pulseaudio:alsa_input.pci.analog-stereo"
            ],
            "the default once, first"
        );

        // Two microphones of one model are both offered.
        let twins = [
            input("pulseaudio:usb-1.mono", "USB Audio Device"),
            input("pulseaudio:usb-2.mono", "USB Audio Device"),
        ];
        assert_eq!(for_people(None, twins).len(), 2);

        // A headless box whose default source is a monitor still records from it.
        let monitor = input("pulseaudio:ci_null.monitor", "Monitor of CI_Null_Sink");
        let list = for_people(Some(monitor), [input("pulseaudio:ci_null.monitor", "x")]);
        assert_eq!(ids(&list), ["pulseaudio:ci_null.monitor"]);
    }

    #[test]
    fn without_a_default_the_choosable_inputs_remain_and_other_hosts_pass() {
        let list = for_people(
            None,
            [
                input("alsa:null", "Discard all samples"),
                input(
                    "coreaudio:BuiltInMicrophoneDevice",
                    "MacBook Pro Microphone",
                ),
            ],
        );
        assert_eq!(ids(&list), ["coreaudio:BuiltInMicrophoneDevice"]);
        assert!(!list[0].is_default);
    }
}
