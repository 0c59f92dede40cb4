// mpo4j JShell start-up: the fluent facade and the types a session needs.
import static mpo4j.Mpo.*;
import mpo4j.data.*;
import mpo4j.loss.*;
import java.nio.file.*;
import java.util.*;
