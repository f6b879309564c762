# The demo image's default command (its Cmd runs /bin/sh with this file).
echo "hello from a container whose root filesystem is a cfsj mount"
echo "I am: $(id)"
echo "working directory: $(pwd); GREETING=$GREETING"
echo "--- /etc/motd:"
cat /etc/motd
echo "--- ls -l /usr/share/cfsj-demo:"
ls -l /usr/share/cfsj-demo
if touch /cannot-write 2>/dev/null; then
    echo "unexpected: / is writable"
else
    echo "writing to / fails: the root filesystem is read-only"
fi
