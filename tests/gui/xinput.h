/* xinput.h — real input for the GUI tests: pointer, wheel and modifier events sent to the X
 * server (Xvfb) through the XTEST extension, so they travel the whole way a user's do — X
 * server, GDK's event translation, the widget's event controllers. */
#ifndef LSV_TEST_XINPUT_H
#define LSV_TEST_XINPUT_H

#include <gtk/gtk.h>
#include <stdbool.h>

/* Whether XTEST is available on the display (false: the input tests cannot run). */
bool xin_available(void);

/* Moves the pointer to (x, y) in widget coordinates. */
void xin_move(GtkWidget *widget, double x, double y);

/* One wheel notch (button 4 up, 5 down, 6 left, 7 right) at (x, y) of widget, with Control
 * and/or Shift held. Waits until GTK has handled it. */
void xin_wheel(GtkWidget *widget, double x, double y, int button, bool ctrl, bool shift);

/* A press at (x0, y0), motion to (x1, y1) in steps, release: a drag (or a click when equal). */
void xin_drag(GtkWidget *widget, double x0, double y0, double x1, double y1);

/* Runs the main loop for ms milliseconds. */
void xin_spin(int ms);

#endif
