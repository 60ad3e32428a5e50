"""What a person sees and hears: public drawing helpers, annotators that only draw
(``annotate(scene, ...) -> scene``), session screens, the window and keys, tones and speech, the
angle plot and the terminal progress bar."""
