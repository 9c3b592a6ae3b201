"""Local fakes of outside services, speaking their real protocols and error codes on 127.0.0.1."""
