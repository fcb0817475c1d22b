"""The sandbox: the bubblewrap jail, cgroup and caps a student's kernel and the judge run in."""
