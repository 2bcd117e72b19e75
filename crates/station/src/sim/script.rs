//! The car command language of everest-core's EvManager (`car_simulatorImpl.cpp`,
//! `simulation_command.cpp`): commands separated by `;` (or newlines), a command's arguments
//! after a space and separated by `,` (`draw_power_regulated 16,3`), case-insensitive.
//!
//! Parsing checks everything EvManager only finds out when it runs a command (names, argument
//! counts, numbers), so a script that fails to parse is refused whole and changes nothing.
//! Differences from EvManager, each to refuse what it would misread: empty commands (`a;;b`)
//! are skipped rather than refused; phases must be `1` or `3` (EvManager reads anything but
//! `3` as one phase); ISO 15118 commands and `wait_for_real_plugin` are refused with the
//! reason, since there is no ISO 15118 stack and no real car to wait for.

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
    /// An ISO 15118 command.
    #[error("ISO 15118 is not simulated (no SLAC or ISO 15118 stack); charge with iec_wait_pwr_ready and draw_power_regulated")]
    Iso15118NotSimulated,
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
    /// Parses `text`. See the module docs.
    pub fn parse(text: &str) -> Result<Script, ScriptError> {
        let mut commands = Vec::new();
        for (index, piece) in text.split([';', '\n']).enumerate() {
            let lowered = piece.trim().to_lowercase();
            if lowered.is_empty() {
                continue;
            }
            let command = parse_command(&lowered).map_err(|problem| ScriptError {
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
fn parse_command(text: &str) -> Result<Command, ScriptProblem> {
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
        "draw_power_regulated" | "draw_power_fixed" => {
            want(2, "current A, phases")?;
            let current_a = number(args[0], "current", 0.0, f64::MAX, "a current in A >= 0")?;
            let phases = match args[1] {
                "1" => 1,
                "3" => 3,
                other => {
                    return Err(ScriptProblem::Argument {
                        name: "phases",
                        value: other.to_owned(),
                        wanted: "1 or 3",
                    })
                }
            };
            if name == "draw_power_regulated" {
                Command::DrawPowerRegulated { current_a, phases }
            } else {
                Command::DrawPowerFixed { current_a, phases }
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
        n if n.starts_with("iso_") => return Err(ScriptProblem::Iso15118NotSimulated),
        _ => return Err(ScriptProblem::Unknown),
    };
    Ok(command)
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
        assert_eq!(e.problem, ScriptProblem::Iso15118NotSimulated);
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
