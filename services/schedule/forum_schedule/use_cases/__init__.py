"""One async function per command: open the unit of work, load, act, record events, commit."""
