// Start-up for ./mpo4j jshell only (the notebook kernel does not load it).
// display(x) prints x's text, like a notebook shows it, without JShell's "$n ==> display <uuid>" echo of
// the handle: in JShell a display cannot be updated, so the handle is of no use. (To get one anyway:
// mpo4j.Mpo.display(x) or LiveDisplay.show(x).)
void display(Object value) { mpo4j.Mpo.display(value); }
