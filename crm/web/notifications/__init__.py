"""In-app notifications: the bell in the top bar and the list of one's notifications."""
