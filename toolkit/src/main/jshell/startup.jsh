// mpo4j JShell start-up: the fluent facade and the types a session needs.
import static mpo4j.Mpo.*;
import mpo4j.data.*;
import mpo4j.loss.*;
import mpo4j.vision.*;
import mpo4j.text.*;
import mpo4j.collate.*;
import mpo4j.notebook.*;
import java.nio.file.*;
import java.util.*;
