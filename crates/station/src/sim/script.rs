//! The car command language of everest-core's EvManager (`car_simulatorImpl.cpp`,
//! `simulation_command.cpp`): commands separated by `;` (or newlines), a command's arguments
//! after a space and separated by `,` (`draw_power_regulated 16,3`), case-insensitive.
//!
//! Parsing checks everything EvManager only finds out when it runs a command (names, argument
//! counts, numbers), so a script that fails to parse is refused whole and changes nothing.
//! Differences from EvManager, each to refuse what it would misread: empty commands (`a;;b`)
//! are skipped rather than refused; phases must be `1` or `3` (EvManager reads anything but
//! `3` as one phase); `wait_for_real_plugin` is refused, since there is no real car to wait for.
//!
//! The ISO 15118 commands (`iso_...`) exist as EvManager registers them: `iso_wait_slac_matched`
//! only with a `slac` connection, the session commands only with an `ev` connection
//! (PyEvJosev); [`Script::parse_with`] takes what the car is connected to and refuses the others
//! with [`ScriptProblem::Iso15118NotSimulated`]. `iso_draw_power_regulated` and
//! `iso_wait_pwm_is_running` need neither, as in EvManager. `iso_start_v2g_session DC` and
//! `iso_dc_power_on` are refused: the simulation is AC only.

use std::fmt;
use std::str::FromStr;

/// One command of a car script.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Command {
    /// `sleep N`: block for N seconds.
    Sleep {
        /// Seconds.
        seconds: f64,
    },
    /// `iec_wait_pwr_ready`: plug in (state B) and block until the EVSE offers energy (PWM
    /// between 7 and 97 %).
    IecWaitPwrReady,
    /// `draw_power_regulated A,phases`: ask for power (state C while a PWM offers energy,
    /// else B) and draw at most what the PWM offers.
    DrawPowerRegulated {
        /// The current wanted per phase, A.
        current_a: f64,
        /// 1 or 3.
        phases: u8,
    },
    /// `draw_power_fixed A,phases`: stay in state C and draw `current_a` whatever the PWM
    /// says (a car that breaks the rules, to test the EVSE).
    DrawPowerFixed {
        /// The current drawn per phase, A.
        current_a: f64,
        /// 1 or 3.
        phases: u8,
    },
    /// `pause`: stop drawing, stay plugged (state B: SuspendedEV).
    Pause,
    /// `unplug`: pull the cable (state A).
    Unplug,
    /// `error_e`: pull the pilot to 0 V (state E).
    ErrorE,
    /// `diode_fail`: short the pilot diode.
    DiodeFail,
    /// `rcd_current mA`: leak this residual current.
    RcdCurrent {
        /// mA.
        milliamps: f64,
    },
    /// `set_soc %`: set the battery's state of charge.
    SetSoc {
        /// Percent, 0-100.
        percent: f64,
    },
    /// `plugin`: run the EvManager's `plugin_commands` instead of the rest of the script.
    Plugin,
    /// `iso_wait_slac_matched`: plug in (state B), start SLAC matching, block until matched.
    IsoWaitSlacMatched,
    /// `iso_start_v2g_session mode[,payment[,departure,eamount]]` (or `mode,departure,eamount`):
    /// ask the car's ISO 15118 stack to start a V2G session.
    IsoStartV2gSession {
        /// The payment option asked for.
        payment: PaymentChoice,
        /// Departure time, s from now (`None`: the EvManager's default).
        departure_s: Option<i64>,
        /// Energy wanted, Wh (`None`: the EvManager's default).
        e_amount_wh: Option<i64>,
    },
    /// `iso_wait_pwr_ready`: block until the charger says power is ready; then state C.
    IsoWaitPwrReady,
    /// `iso_draw_power_regulated A,phases`: draw at most `current_a` in state C.
    IsoDrawPowerRegulated {
        /// A per phase.
        current_a: f64,
        /// 1 or 3.
        phases: u8,
    },
    /// `iso_stop_charging`: end the V2G session; state B.
    IsoStopCharging,
    /// `iso_wait_for_stop s`: charge until the charger stops, or stop after `seconds`.
    IsoWaitForStop {
        /// Seconds.
        seconds: f64,
    },
    /// `iso_wait_v2g_session_stopped`: block until the V2G session ended.
    IsoWaitV2gSessionStopped,
    /// `iso_pause_charging`: pause the V2G session (state B).
    IsoPauseCharging,
    /// `iso_wait_for_resume`: block (a script replaced it to resume).
    IsoWaitForResume,
    /// `iso_start_bcb_toggle n`: toggle B/C `n` times (at most 3) to wake the EVSE up.
    IsoStartBcbToggle {
        /// Toggles.
        toggles: u32,
    },
    /// `iso_wait_pwm_is_running`: state B, block until a PWM runs (duty 4-97 %).
    IsoWaitPwmIsRunning,
}

/// The payment option of `iso_start_v2g_session` (EvManager's `contract`, `externalpayment`,
/// `auto`; anything else is refused, where EvManager falls back to `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentChoice {
    /// The stack chooses (contract when offered and the car has one).
    Auto,
    /// Plug&Charge with the car's contract certificate.
    Contract,
    /// External identification (EIM: card, app).
    ExternalPayment,
}

/// What the car's ISO 15118 commands may use: EvManager registers `iso_wait_slac_matched`
/// only with its `slac` connection, the session commands only with its `ev` connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IsoSupport {
    /// Connected to a SlacSimulator (`slac`).
    pub slac: bool,
    /// Connected to a PyEvJosev (`ev`).
    pub ev: bool,
}

impl IsoSupport {
    /// Neither: a car without ISO 15118.
    pub const NONE: IsoSupport = IsoSupport {
        slac: false,
        ev: false,
    };
    /// Both.
    pub const ALL: IsoSupport = IsoSupport {
        slac: true,
        ev: true,
    };
}

/// A parsed car script.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Script(pub Vec<Command>);

/// Why a command of a script was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptProblem {
    /// No such command.
    #[error("unknown command (known: sleep, iec_wait_pwr_ready, draw_power_regulated, draw_power_fixed, pause, unplug, error_e, diode_fail, rcd_current, set_soc, plugin)")]
    Unknown,
    /// An ISO 15118 command for a car without the connection it needs.
    #[error("ISO 15118 is not simulated for this car (its EvManager has no `{0}` connection: a SlacSimulator for slac, a PyEvJosev for ev); charge with iec_wait_pwr_ready and draw_power_regulated")]
    Iso15118NotSimulated(&'static str),
    /// DC charging.
    #[error("DC is not simulated (the simulated board, meter and car are AC); use AC")]
    DcNotSimulated,
    /// `wait_for_real_plugin`.
    #[error("waits for a real car (hardware in the loop); the simulation has none")]
    HardwareOnly,
    /// Wrong number of arguments.
    #[error("expects {expected} argument(s) ({names}), got {got}")]
    Arguments {
        /// How many it takes.
        expected: usize,
        /// What they are.
        names: &'static str,
        /// How many it got.
        got: usize,
    },
    /// An argument out of its range or not a number.
    #[error("argument {name} `{value}` is not {wanted}")]
    Argument {
        /// The argument's name.
        name: &'static str,
        /// What was given.
        value: String,
        /// What it must be.
        wanted: &'static str,
    },
}

/// A script that does not parse: the command (1-based position among the commands, and its
/// text) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("car script command {position} `{command}`: {problem}")]
pub struct ScriptError {
    /// Its position, from 1, counting every `;`-separated piece.
    pub position: usize,
    /// Its text as written.
    pub command: String,
    /// Why it is refused.
    pub problem: ScriptProblem,
}

impl Script {
    /// Parses `text` for a car without ISO 15118 (every `iso_` command but
    /// `iso_draw_power_regulated` and `iso_wait_pwm_is_running` refused). See the module docs.
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        Script::parse_with(text, IsoSupport::NONE)
    }

    /// Parses `text` for a car connected as `iso` says.
    pub fn parse_with(text: &str, iso: IsoSupport) -> Result<Script, ScriptError> {
        let mut commands = Vec::new();
        for (index, piece) in text.split([';', '\n']).enumerate() {
            let lowered = piece.trim().to_lowercase();
            if lowered.is_empty() {
                continue;
            }
            let command = parse_command(&lowered, iso).map_err(|problem| ScriptError {
                position: index + 1,
                command: piece.trim().to_owned(),
                problem,
            })?;
            commands.push(command);
        }
        Ok(Script(commands))
    }

    /// Its commands.
    pub fn commands(&self) -> &[Command] {
        &self.0
    }

    /// Whether it has no command.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Script {
    type Err = ScriptError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Script::parse(s)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Sleep { seconds } => write!(f, "sleep {seconds}"),
            Command::IecWaitPwrReady => f.write_str("iec_wait_pwr_ready"),
            Command::DrawPowerRegulated { current_a, phases } => {
                write!(f, "draw_power_regulated {current_a},{phases}")
            }
            Command::DrawPowerFixed { current_a, phases } => {
                write!(f, "draw_power_fixed {current_a},{phases}")
            }
            Command::Pause => f.write_str("pause"),
            Command::Unplug => f.write_str("unplug"),
            Command::ErrorE => f.write_str("error_e"),
            Command::DiodeFail => f.write_str("diode_fail"),
            Command::RcdCurrent { milliamps } => write!(f, "rcd_current {milliamps}"),
            Command::SetSoc { percent } => write!(f, "set_soc {percent}"),
            Command::Plugin => f.write_str("plugin"),
            Command::IsoWaitSlacMatched => f.write_str("iso_wait_slac_matched"),
            Command::IsoStartV2gSession {
                payment,
                departure_s,
                e_amount_wh,
            } => {
                f.write_str("iso_start_v2g_session ac")?;
                let payment = match payment {
                    PaymentChoice::Auto => "auto",
                    PaymentChoice::Contract => "contract",
                    PaymentChoice::ExternalPayment => "externalpayment",
                };
                write!(f, ",{payment}")?;
                if let (Some(d), Some(e)) = (departure_s, e_amount_wh) {
                    write!(f, ",{d},{e}")?;
                }
                Ok(())
            }
            Command::IsoWaitPwrReady => f.write_str("iso_wait_pwr_ready"),
            Command::IsoDrawPowerRegulated { current_a, phases } => {
                write!(f, "iso_draw_power_regulated {current_a},{phases}")
            }
            Command::IsoStopCharging => f.write_str("iso_stop_charging"),
            Command::IsoWaitForStop { seconds } => write!(f, "iso_wait_for_stop {seconds}"),
            Command::IsoWaitV2gSessionStopped => f.write_str("iso_wait_v2g_session_stopped"),
            Command::IsoPauseCharging => f.write_str("iso_pause_charging"),
            Command::IsoWaitForResume => f.write_str("iso_wait_for_resume"),
            Command::IsoStartBcbToggle { toggles } => write!(f, "iso_start_bcb_toggle {toggles}"),
            Command::IsoWaitPwmIsRunning => f.write_str("iso_wait_pwm_is_running"),
        }
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Parses one lower-cased, trimmed command.
fn parse_command(text: &str, iso: IsoSupport) -> Result<Command, ScriptProblem> {
    let (name, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let args: Vec<&str> = rest
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|a| !a.is_empty())
        .collect();
    let want = |expected: usize, names: &'static str| {
        if args.len() == expected {
            Ok(())
        } else {
            Err(ScriptProblem::Arguments {
                expected,
                names,
                got: args.len(),
            })
        }
    };
    let command = match name {
        "sleep" => {
            want(1, "seconds")?;
            Command::Sleep {
                seconds: number(
                    args[0],
                    "seconds",
                    0.0,
                    f64::MAX,
                    "a number of seconds >= 0",
                )?,
            }
        }
        "iec_wait_pwr_ready" => {
            want(0, "none")?;
            Command::IecWaitPwrReady
        }
        "draw_power_regulated" | "draw_power_fixed" | "iso_draw_power_regulated" => {
            want(2, "current A, phases")?;
            let current_a = number(args[0], "current", 0.0, f64::MAX, "a current in A >= 0")?;
            let phases = phases(args[1])?;
            match name {
                "draw_power_regulated" => Command::DrawPowerRegulated { current_a, phases },
                "draw_power_fixed" => Command::DrawPowerFixed { current_a, phases },
                _ => Command::IsoDrawPowerRegulated { current_a, phases },
            }
        }
        "iso_wait_pwm_is_running" => {
            want(0, "none")?;
            Command::IsoWaitPwmIsRunning
        }
        "iso_wait_slac_matched" => {
            if !iso.slac {
                return Err(ScriptProblem::Iso15118NotSimulated("slac"));
            }
            want(0, "none")?;
            Command::IsoWaitSlacMatched
        }
        "iso_dc_power_on" => return Err(ScriptProblem::DcNotSimulated),
        n if n.starts_with("iso_") && !iso.ev => {
            return Err(ScriptProblem::Iso15118NotSimulated("ev"))
        }
        "iso_start_v2g_session" => parse_start_v2g_session(&args)?,
        "iso_wait_pwr_ready"
        | "iso_stop_charging"
        | "iso_wait_v2g_session_stopped"
        | "iso_pause_charging"
        | "iso_wait_for_resume" => {
            want(0, "none")?;
            match name {
                "iso_wait_pwr_ready" => Command::IsoWaitPwrReady,
                "iso_stop_charging" => Command::IsoStopCharging,
                "iso_wait_v2g_session_stopped" => Command::IsoWaitV2gSessionStopped,
                "iso_pause_charging" => Command::IsoPauseCharging,
                _ => Command::IsoWaitForResume,
            }
        }
        "iso_wait_for_stop" => {
            want(1, "seconds")?;
            Command::IsoWaitForStop {
                seconds: number(
                    args[0],
                    "seconds",
                    0.0,
                    f64::MAX,
                    "a number of seconds >= 0",
                )?,
            }
        }
        "iso_start_bcb_toggle" => {
            want(1, "toggles")?;
            Command::IsoStartBcbToggle {
                toggles: number(args[0], "toggles", 0.0, 1e6, "a number of toggles >= 0")? as u32,
            }
        }
        "pause" | "unplug" | "error_e" | "diode_fail" | "plugin" => {
            want(0, "none")?;
            match name {
                "pause" => Command::Pause,
                "unplug" => Command::Unplug,
                "error_e" => Command::ErrorE,
                "diode_fail" => Command::DiodeFail,
                _ => Command::Plugin,
            }
        }
        "rcd_current" => {
            want(1, "mA")?;
            Command::RcdCurrent {
                milliamps: number(args[0], "mA", 0.0, f64::MAX, "a current in mA >= 0")?,
            }
        }
        "set_soc" => {
            want(1, "percent")?;
            Command::SetSoc {
                percent: number(args[0], "percent", 0.0, 100.0, "a percentage 0-100")?,
            }
        }
        "wait_for_real_plugin" => return Err(ScriptProblem::HardwareOnly),
        _ => return Err(ScriptProblem::Unknown),
    };
    Ok(command)
}

fn phases(text: &str) -> Result<u8, ScriptProblem> {
    match text {
        "1" => Ok(1),
        "3" => Ok(3),
        other => Err(ScriptProblem::Argument {
            name: "phases",
            value: other.to_owned(),
            wanted: "1 or 3",
        }),
    }
}

/// `iso_start_v2g_session` with EvManager's four forms: `mode`, `mode payment`,
/// `mode departure eamount`, `mode payment departure eamount`.
fn parse_start_v2g_session(args: &[&str]) -> Result<Command, ScriptProblem> {
    let (payment, times) = match args.len() {
        1 => (None, None),
        2 => (Some(args[1]), None),
        3 => (None, Some((args[1], args[2]))),
        4 => (Some(args[1]), Some((args[2], args[3]))),
        got => {
            return Err(ScriptProblem::Arguments {
                expected: 4,
                names: "mode[,payment][,departure s,energy Wh]",
                got,
            })
        }
    };
    match args.first().copied() {
        Some("ac") => {}
        Some("dc") => return Err(ScriptProblem::DcNotSimulated),
        other => {
            return Err(ScriptProblem::Argument {
                name: "mode",
                value: other.unwrap_or_default().to_owned(),
                wanted: "AC or DC",
            })
        }
    }
    let payment = match payment {
        None | Some("auto") => PaymentChoice::Auto,
        Some("contract") => PaymentChoice::Contract,
        Some("externalpayment") => PaymentChoice::ExternalPayment,
        Some(other) => {
            return Err(ScriptProblem::Argument {
                name: "payment",
                value: other.to_owned(),
                wanted: "contract, externalpayment or auto",
            })
        }
    };
    let integer = |text: &str, name: &'static str| {
        text.parse::<i64>().map_err(|_| ScriptProblem::Argument {
            name,
            value: text.to_owned(),
            wanted: "an integer",
        })
    };
    let (departure_s, e_amount_wh) = match times {
        Some((d, e)) => (Some(integer(d, "departure")?), Some(integer(e, "eamount")?)),
        None => (None, None),
    };
    Ok(Command::IsoStartV2gSession {
        payment,
        departure_s,
        e_amount_wh,
    })
}

fn number(
    text: &str,
    name: &'static str,
    min: f64,
    max: f64,
    wanted: &'static str,
) -> Result<f64, ScriptProblem> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
        _ => Err(ScriptProblem::Argument {
            name,
            value: text.to_owned(),
            wanted,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everest_default_script() {
        let s = Script::parse(
            "sleep 1;iec_wait_pwr_ready;sleep 1;draw_power_regulated 16,3;sleep 30;unplug",
        )
        .unwrap();
        assert_eq!(
            s.commands(),
            [
                Command::Sleep { seconds: 1.0 },
                Command::IecWaitPwrReady,
                Command::Sleep { seconds: 1.0 },
                Command::DrawPowerRegulated {
                    current_a: 16.0,
                    phases: 3
                },
                Command::Sleep { seconds: 30.0 },
                Command::Unplug,
            ]
        );
        assert_eq!(
            s.to_string(),
            "sleep 1;iec_wait_pwr_ready;sleep 1;draw_power_regulated 16,3;sleep 30;unplug"
        );
    }

    #[test]
    fn case_newlines_spaces_and_every_command() {
        let s = Script::parse(
            "SLEEP 0.5\n draw_power_fixed 10 1 ;pause;;unplug;error_e;diode_fail;rcd_current 30;set_soc 80;plugin;",
        )
        .unwrap();
        assert_eq!(s.commands().len(), 9);
        assert_eq!(
            s.commands()[1],
            Command::DrawPowerFixed {
                current_a: 10.0,
                phases: 1
            }
        );
        assert!(Script::parse("").unwrap().is_empty());
    }

    #[test]
    fn everest_iso_ac_plug_in_parses_with_an_iso_car_only() {
        // EVerest's test controller, plug_in_ac_iso(payment_type="contract").
        let text = "sleep 1;iso_wait_slac_matched;iso_start_v2g_session AC contract 86400 0;iso_wait_pwr_ready;iso_draw_power_regulated 16,3;sleep 60;iso_stop_charging;iso_wait_v2g_session_stopped;unplug";
        let s = Script::parse_with(text, IsoSupport::ALL).unwrap();
        assert_eq!(
            s.commands()[2],
            Command::IsoStartV2gSession {
                payment: PaymentChoice::Contract,
                departure_s: Some(86400),
                e_amount_wh: Some(0)
            }
        );
        assert_eq!(
            Script::parse_with(&s.to_string(), IsoSupport::ALL).unwrap(),
            s
        );
        // plug_in_ac_iso() without a payment type: `AC  86400 0`, departure and energy.
        let s = Script::parse_with("iso_start_v2g_session AC  86400 0", IsoSupport::ALL).unwrap();
        assert!(matches!(
            s.commands()[0],
            Command::IsoStartV2gSession {
                payment: PaymentChoice::Auto,
                departure_s: Some(86400),
                ..
            }
        ));
        let e = Script::parse_with(
            text,
            IsoSupport {
                slac: true,
                ev: false,
            },
        )
        .unwrap_err();
        assert_eq!(e.position, 3);
        assert_eq!(e.problem, ScriptProblem::Iso15118NotSimulated("ev"));
        let e = Script::parse_with("iso_start_v2g_session DC", IsoSupport::ALL).unwrap_err();
        assert_eq!(e.problem, ScriptProblem::DcNotSimulated);
        let e = Script::parse_with("iso_start_v2g_session AC,cash", IsoSupport::ALL).unwrap_err();
        assert!(
            e.to_string().contains("contract, externalpayment or auto"),
            "{e}"
        );
        // EvManager registers these two whatever the car is connected to.
        assert!(Script::parse("iso_wait_pwm_is_running;iso_draw_power_regulated 16,1").is_ok());
        for c in [
            "iso_stop_charging",
            "iso_wait_for_stop 5",
            "iso_wait_v2g_session_stopped",
            "iso_pause_charging",
            "iso_wait_for_resume",
            "iso_start_bcb_toggle 3",
            "iso_wait_pwr_ready",
        ] {
            let s = Script::parse_with(c, IsoSupport::ALL).unwrap();
            assert_eq!(s.to_string(), c);
        }
    }

    #[test]
    fn errors_name_the_command_its_position_and_why() {
        let e = Script::parse("sleep 1;draw_power_regulated 16").unwrap_err();
        assert_eq!(e.position, 2);
        assert_eq!(
            e.to_string(),
            "car script command 2 `draw_power_regulated 16`: expects 2 argument(s) (current A, phases), got 1"
        );
        let e = Script::parse("sleep x").unwrap_err();
        assert!(
            e.to_string()
                .contains("argument seconds `x` is not a number"),
            "{e}"
        );
        let e = Script::parse("draw_power_regulated 16,2").unwrap_err();
        assert!(e.to_string().contains("1 or 3"), "{e}");
        let e = Script::parse("set_soc 101").unwrap_err();
        assert!(matches!(e.problem, ScriptProblem::Argument { .. }));
        let e = Script::parse("sleep 1;iso_wait_slac_matched").unwrap_err();
        assert_eq!(e.problem, ScriptProblem::Iso15118NotSimulated("slac"));
        assert!(e.to_string().contains("`iso_wait_slac_matched`"));
        let e = Script::parse("wait_for_real_plugin").unwrap_err();
        assert_eq!(e.problem, ScriptProblem::HardwareOnly);
        let e = Script::parse("fly 3").unwrap_err();
        assert_eq!(e.problem, ScriptProblem::Unknown);
        let e = Script::parse("unplug now").unwrap_err();
        assert!(matches!(e.problem, ScriptProblem::Arguments { got: 1, .. }));
        let e = Script::parse("sleep -1").unwrap_err();
        assert!(matches!(e.problem, ScriptProblem::Argument { .. }));
    }
}
