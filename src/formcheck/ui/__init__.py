"""What a person sees and hears: public drawing primitives (``drawing``), annotators that only
draw (``annotators``, each ``annotate(scene, ...) -> scene``) and the overlay composing them
(``overlay``), session screens, the window and keys, tones and speech, the angle plot
(``plot_data`` chooses what it shows, ``plot`` draws it) and the terminal progress bar."""
