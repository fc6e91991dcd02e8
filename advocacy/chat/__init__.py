"""Private real-time chat between a child and their advocate."""
