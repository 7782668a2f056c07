/**
 * A calendar and a 24-hour UTC time (to the second) for the "As of" reference time, opened from a button
 * beside the ISO 8601 text field. The text field stays the value's one source: the picker reads it and
 * writes back `YYYY-MM-DDTHH:MM:SSZ`.
 */
import { parseAbsolute, toCalendarDate, toTime, type CalendarDate, type Time, type ZonedDateTime } from '@internationalized/date';
import { Button, Calendar, CalendarCell, CalendarGrid, DateInput, DateSegment, Dialog, DialogTrigger, Heading, Label, Popover, TimeField } from 'react-aria-components';

/** `iso` as a UTC instant; the present when it does not parse (the text field shows that error). */
function zoned(iso: string): ZonedDateTime {
  try {
    return parseAbsolute(iso, 'UTC');
  } catch {
    return parseAbsolute(new Date().toISOString(), 'UTC');
  }
}

/** `z` as the text field writes it: whole seconds, `Z`. */
const isoOf = (z: ZonedDateTime) => z.toAbsoluteString().replace(/\.\d+Z$/, 'Z');

export function AsOfPicker({ value, onChange }: { value: string; onChange(iso: string): void }) {
  const at = zoned(value);
  return (
    <DialogTrigger>
      <Button className="button" aria-label="Pick the reference date and time">
        Pick…
      </Button>
      <Popover className="popover as-of-popover" placement="bottom start">
        <Dialog className="dialog" aria-label="Reference date and time (UTC)">
          <Calendar aria-label="Reference date (UTC)" value={toCalendarDate(at)} onChange={(d: CalendarDate) => onChange(isoOf(at.set({ year: d.year, month: d.month, day: d.day })))}>
            <header className="calendar-header">
              <Button slot="previous" className="button" aria-label="Previous month">
                ‹
              </Button>
              <Heading />
              <Button slot="next" className="button" aria-label="Next month">
                ›
              </Button>
            </header>
            <CalendarGrid className="calendar-grid">{(date) => <CalendarCell date={date} className="calendar-cell" />}</CalendarGrid>
          </Calendar>
          <TimeField className="field" value={toTime(at)} granularity="second" hourCycle={24} onChange={(t: Time | null) => t && onChange(isoOf(at.set({ hour: t.hour, minute: t.minute, second: t.second })))}>
            <Label>Time (UTC)</Label>
            <DateInput className="input mono time-input">{(segment) => <DateSegment segment={segment} className="segment" />}</DateInput>
          </TimeField>
        </Dialog>
      </Popover>
    </DialogTrigger>
  );
}
