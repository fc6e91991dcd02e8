"""Putting records right: a child asks for something held about them to be corrected; staff decide, and an
accepted correction is a new version of the record that keeps the old one, sealed, never a silent edit."""
