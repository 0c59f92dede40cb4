// mpo4j start-up, shared by ./mpo4j jshell and the notebook kernel: the fluent facade and every type a
// session names (TrainRun, TinyVlm, PreferencePair, LiveTraining, ...). Plain Java only: JShell commands
// (/set ...) cannot go here, since JShell runs start-up files before its feedback modes exist; the
// launcher sets the mpo4j feedback mode instead, and jshell-only.jsh holds what only JShell needs.
import static mpo4j.Mpo.*;
import mpo4j.data.*;
import mpo4j.loss.*;
import mpo4j.vision.*;
import mpo4j.text.*;
import mpo4j.collate.*;
import mpo4j.model.*;
import mpo4j.generate.*;
import mpo4j.train.*;
import mpo4j.preference.*;
import mpo4j.peft.*;
import mpo4j.online.*;
import mpo4j.rl.*;
import mpo4j.pairs.*;
import mpo4j.interop.*;
import mpo4j.reward.*;
import mpo4j.plot.*;
import mpo4j.notebook.*;
import java.nio.file.*;
import java.util.*;
